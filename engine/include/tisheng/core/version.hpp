// The engine's version, recorded in every output that a later run compares.
#pragma once

#include <string>

namespace tisheng {

/// Engine version string ("0.1.0").
std::string engine_version();

}  // namespace tisheng
