#include "core/point_class.hpp"

namespace tisheng::view {

ProjectClass project_class(std::uint8_t station_status, Date date, Date start, Date planned_end) {
    if (station_status > 0 && station_status <= 6) return static_cast<ProjectClass>(station_status + 2);
    if (date < start) return ProjectClass::not_started;
    return planned_end < date ? ProjectClass::ended : ProjectClass::no_station;
}

Rgba project_class_colour(ProjectClass c) {
    switch (c) {
        case ProjectClass::not_started: return {215, 215, 215, 140};
        case ProjectClass::no_station: return {150, 150, 150, 220};
        case ProjectClass::ended: return {250, 250, 250, 200};
        default: return categorical(static_cast<std::size_t>(c) - 3);  // planned = categorical(0), as the statuses always were
    }
}

Rgba base_class_colour(std::uint8_t status) {
    if (status == 0) return {150, 150, 150, 220};  // candidate
    return categorical(static_cast<std::size_t>(status) - 1);
}

std::vector<std::uint32_t> count_classes(const std::vector<std::uint8_t>& classes, int n) {
    std::vector<std::uint32_t> count(static_cast<std::size_t>(n), 0);
    for (const std::uint8_t c : classes)
        if (c < n) ++count[c];
    return count;
}

}  // namespace tisheng::view
