// Readable names for lib::Error, used in logs, panics and test output.
#include "lib/result.h"

namespace lib {

const char* error_name(Error e) {
    switch (e) {
    case Error::NoMemory: return "NoMemory";
    case Error::InvalidArgument: return "InvalidArgument";
    case Error::AlreadyMapped: return "AlreadyMapped";
    case Error::NotMapped: return "NotMapped";
    case Error::OutOfRange: return "OutOfRange";
    case Error::Malformed: return "Malformed";
    case Error::Truncated: return "Truncated";
    case Error::NotFound: return "NotFound";
    case Error::Busy: return "Busy";
    case Error::WouldBlock: return "WouldBlock";
    case Error::Fault: return "Fault";
    case Error::Unsupported: return "Unsupported";
    case Error::NotDirectory: return "NotDirectory";
    case Error::TooManyLinks: return "TooManyLinks";
    }
    return "?";
}

}  // namespace lib
