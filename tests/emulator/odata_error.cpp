#include "odata_error.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace emulator {

void odata_error(httplib::Response &res, int status, const std::string &code, const std::string &message) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("error");
    w.StartObject();
    w.Key("code");
    w.String(code.c_str());
    w.Key("message");
    w.String(message.c_str());
    w.Key("details");
    w.StartArray();
    w.EndArray();
    w.EndObject();
    w.EndObject();
    res.status = status;
    res.set_content(b.GetString(), "application/json; charset=utf-8");
}

}  // namespace emulator
