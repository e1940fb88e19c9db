// A folder of outputs that changes all at once: a run (store, map, tables,
// forms, report), a report written again, a siting plan.
#pragma once

#include <filesystem>

namespace tisheng {

/// Writers write into path(): a hidden sibling of the target folder,
/// `.<name>.partial-<pid>`, seeded with hard links to the target's current
/// files (so what is not written again stays, as when writing in place).
/// commit() swaps it with the target in one rename (renameat2 with
/// RENAME_EXCHANGE; where the file system cannot, the old folder is moved
/// aside first, so for a moment there is none) and then removes the old.
///
/// So a kill -9 or a full disk at any moment leaves the target as it was
/// or, once commit() returned, the new folder whole: never some files of
/// each. Every writer must replace files (a temporary file and a rename,
/// as write_file_atomic and VectorWriter do), never change one in place:
/// a hard-linked file is shared with the old folder until the swap.
///
/// Destroyed without commit(), it removes its staging folder. A staging
/// or old folder left behind by a killed process (its pid no longer runs)
/// is removed by the next StagedFolder of the same target.
class StagedFolder {
public:
    /// Throws Error naming the folder if the staging folder cannot be made
    /// (the target is a file, the parent is read-only, the disk is full).
    explicit StagedFolder(std::filesystem::path target);
    ~StagedFolder();
    StagedFolder(const StagedFolder&) = delete;
    StagedFolder& operator=(const StagedFolder&) = delete;

    /// Where to write until commit().
    [[nodiscard]] const std::filesystem::path& path() const { return m_staging; }
    /// The folder the outputs end up in.
    [[nodiscard]] const std::filesystem::path& target() const { return m_target; }
    /// Puts the staged folder in the target's place. Throws Error on
    /// failure, leaving the target as it was.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_staging;
    bool m_committed = false;
};

}  // namespace tisheng
