// The classes a site's point is drawn in at a date, one colour each, so the
// map's key can list every class drawn with its count. A project of a
// station programme without a station is split three ways: not started
// yet, running (未建站), or past its planned end (ended): grey alone would
// count the ended and the future among the projects that still owe a
// station. Otherwise the class is the site's status at the date
// (StationStatus, BaseStatus).
#pragma once

#include <cstdint>
#include <vector>

#include "core/legend.hpp"
#include "tisheng/model/calendar.hpp"

namespace tisheng::view {

enum class ProjectClass : std::uint8_t {
    not_started, no_station, ended,  // no station (StationStatus::none)
    planned, under_construction, failed_standard, built, closed, abandoned  // StationStatus 1..6
};
inline constexpr int project_classes = 9;
inline constexpr int base_classes = 8;  ///< BaseStatus 0..7

/// A project's class at the end of `date`, from its station's status then.
ProjectClass project_class(std::uint8_t station_status, Date date, Date start, Date planned_end);

/// The colour of a class: a project's (ProjectClass) or a base's (BaseStatus).
Rgba project_class_colour(ProjectClass c);
Rgba base_class_colour(std::uint8_t status);

/// Counts per class (classes.size() = the number of points; values < n).
std::vector<std::uint32_t> count_classes(const std::vector<std::uint8_t>& classes, int n);

}  // namespace tisheng::view
