// kprintf and the kernel log. Log lines begin with the uptime, "[    1.234567] ", and reach the
// console whole. Levels filter by loglevel= (0 errors .. 3 debug).
#pragma once

#include <cstdarg>

namespace kernel {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char* fmt, va_list ap);
void klog(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void set_log_level(LogLevel l);
LogLevel log_level();

}  // namespace kernel

#define log_error(...) ::kernel::klog(::kernel::LogLevel::Error, __VA_ARGS__)
#define log_warn(...) ::kernel::klog(::kernel::LogLevel::Warn, __VA_ARGS__)
#define log_info(...) ::kernel::klog(::kernel::LogLevel::Info, __VA_ARGS__)
#define log_debug(...) ::kernel::klog(::kernel::LogLevel::Debug, __VA_ARGS__)
