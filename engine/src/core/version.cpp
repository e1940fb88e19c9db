#include "tisheng/core/version.hpp"

namespace tisheng {

std::string engine_version() { return TISHENG_VERSION; }

}  // namespace tisheng
