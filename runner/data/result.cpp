#include "data/result.hpp"

namespace parex {

std::string_view to_string(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::error:
      return "error";
    case Status::build_error:
      return "build_error";
    case Status::missing:
      return "missing";
  }
  return "error";
}

}  // namespace parex
