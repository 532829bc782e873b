// Test support: runs one node through the C++ loader and collects what came back.
#pragma once

#include <wfnode/loader.hpp>

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace testsupport {

struct Output {
    uint32_t paired;
    std::string json;
};

struct Execution {
    wfnode_status status = WFNODE_OK;
    std::vector<Output> items;
    std::vector<wfnode::Error> errors;
    std::vector<std::string> logs;
    uint64_t last_requests = 0;  // from the last progress report
};

// The plugin built by this tree, loaded once per test process.
const wfnode::Plugin &plugin();

Execution execute(const std::string &type, const std::string &params, const std::string &credentials,
                  std::vector<std::string> items = {"{}"}, bool continue_on_fail = false,
                  std::function<void(const Output &)> on_item = {});

// The same on another plugin.
Execution execute_on(const wfnode::Plugin &plugin, const std::string &type, const std::string &params,
                     const std::string &credentials, std::vector<std::string> items = {"{}"},
                     bool continue_on_fail = false, std::function<void(const Output &)> on_item = {});

// The records of an execution (items without "@odata.count"), parsed.
std::vector<rapidjson::Document> records(const Execution &e);

}  // namespace testsupport
