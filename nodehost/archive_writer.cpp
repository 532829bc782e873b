#include "archive_writer.hpp"

#include <filesystem>

namespace nodehost {

ArchiveWriter::ArchiveWriter(const std::string &path) : path_(path), file_(path) {}

void ArchiveWriter::add(std::string_view line) {
    tally_.add(line);
    file_.write(line);
    file_.write("\n");
}

Manifest ArchiveWriter::commit(const rapidjson::Value &range) {
    check_range(range);
    Manifest m;
    m.file = std::filesystem::path(path_).filename().string();
    m.tally = tally_;
    auto &a = m.range.GetAllocator();
    if (!range.IsNull()) {
        m.range.CopyFrom(range, a);
    } else if (tally_.first_time_sent) {
        m.range.SetObject();
        m.range.AddMember("from", rapidjson::Value(tally_.first_time_sent->c_str(), a), a);
        m.range.AddMember("to", rapidjson::Value(tally_.last_time_sent->c_str(), a), a);
    }
    auto written = file_.finish();
    m.sha256 = written.sha256;
    m.bytes = written.bytes;
    if (file_.special()) {
        file_.commit();
        return m;
    }
    DurableFile manifest(manifest_path(path_));
    manifest.write(to_json(m));
    manifest.finish();
    file_.commit();
    manifest.commit();
    return m;
}

}  // namespace nodehost
