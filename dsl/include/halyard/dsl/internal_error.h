// A bug in Halyard itself (a pass broke another's invariant, a registry lacks
// an entry the code names) is an InternalError, never a UserError: bad input
// gets a UserError naming the file, field and value; this one names the
// source line that found the bug.
#pragma once

#include <stdexcept>
#include <string>

namespace halyard {

struct InternalError : std::logic_error {
    using std::logic_error::logic_error;
};

[[noreturn]] inline void internal_failure(const char *file, int line, const std::string &what) {
    throw InternalError(std::string("internal error (a Halyard bug) at ") + file + ":" + std::to_string(line) + ": " +
                        what);
}

}  // namespace halyard

#define HL_INTERNAL_ASSERT(cond, what)                                                   \
    do {                                                                                 \
        if (!(cond)) ::halyard::internal_failure(__FILE__, __LINE__, std::string(what)); \
    } while (0)
