// save_scenario (scenario.hpp): a scenario file written again, with --set
// overrides and sources applied, for a run folder or a calibration's result.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <sstream>

#include "model/detail/scenario_loader.hpp"
#include "tisheng/core/files.hpp"

namespace tisheng {

namespace fs = std::filesystem;

void save_scenario(const fs::path& file, const std::vector<std::string>& overrides, const fs::path& target,
                   const std::map<std::string, Source>& sources, const std::string& header) {
    const std::string shown = file.string();
    std::string bytes = read_file(file, shown);
    const fs::path from_dir = fs::absolute(file).parent_path(), to_dir = fs::absolute(target).parent_path();
    if (overrides.empty() && sources.empty() && header.empty() && from_dir == to_dir) {
        write_file_atomic(target, bytes);
        return;
    }
    YAML::Node root = detail::parse_yaml(bytes, shown);
    Diagnostics diag;
    for (const auto& o : overrides) detail::apply_override(root, o, diag);
    diag.throw_if_errors();
    if (root.IsMap() && from_dir != to_dir) {
        const std::string dd = root["data_dir"] && root["data_dir"].IsScalar() ? root["data_dir"].Scalar() : ".";
        if (!fs::path(dd).is_absolute()) root["data_dir"] = (from_dir / dd).lexically_normal().lexically_relative(to_dir).generic_string();
    }
    // The emitter forgets quotes: a quoted "440700" would come back a
    // number (one that then needs a source). Such scalars, quoted and
    // reading as a number or a date, keep an explicit string tag.
    std::function<void(YAML::Node)> keep_strings = [&](YAML::Node n) {
        if (n.IsMap())
            for (auto it = n.begin(); it != n.end(); ++it) keep_strings(it->second);
        else if (n.IsSequence())
            for (std::size_t i = 0; i < n.size(); ++i) keep_strings(n[i]);
        else if (n.IsScalar() && n.Tag() == "!" && detail::reads_as_quantity(YAML::Node(n.Scalar())))
            n.SetTag("tag:yaml.org,2002:str");
    };
    keep_strings(root);
    for (const auto& [key, src] : sources) {
        YAML::Node entry(YAML::NodeType::Map);
        entry[std::string(to_string(src.kind))] = src.note;
        root["sources"][key] = entry;
    }
    std::string text;
    std::istringstream lines(header);
    for (std::string line; std::getline(lines, line);) text += "# " + line + "\n";
    text += "# Saved from " + shown + "\n";
    for (const auto& o : overrides) text += "#   --set " + o + "\n";
    YAML::Emitter out;
    out << root;
    std::string body = out.c_str();
    const std::string verbatim = "!<tag:yaml.org,2002:str> ";  // as the emitter writes the tag; "!!str " is the same, shorter
    for (std::size_t at = body.find(verbatim); at != std::string::npos; at = body.find(verbatim, at)) body.replace(at, verbatim.size(), "!!str ");
    text += body;
    text += "\n";
    write_file_atomic(target, text);
}

}  // namespace tisheng
