#include "archive_writer.hpp"

#include <wfcommon/iso8601.hpp>

#include <filesystem>

namespace nodehost {

ArchiveWriter::ArchiveWriter(const std::string &path) : path_(path), file_(path) {}

void ArchiveWriter::add(std::string_view line) {
    tally_.add(line);
    file_.write(line);
    file_.write("\n");
}

Manifest ArchiveWriter::finish(const rapidjson::Value &range) {
    check_range(range);
    Manifest m;
    m.file = std::filesystem::path(path_).filename().string();
    m.tally = tally_;
    auto &a = m.range.GetAllocator();
    if (!range.IsNull()) {
        m.range.CopyFrom(range, a);
        // Records before the range: late arrivals an incremental export re-read; said so.
        const auto from = range["from"].IsString() ? wfcommon::iso8601::parse(range["from"].GetString()) : std::nullopt;
        const auto first = tally_.first_time_sent ? wfcommon::iso8601::parse(*tally_.first_time_sent) : std::nullopt;
        if (from && first && *first < *from) m.late_from = tally_.first_time_sent;
    } else if (tally_.first_time_sent) {
        m.range.SetObject();
        m.range.AddMember("from", rapidjson::Value(tally_.first_time_sent->c_str(), a), a);
        m.range.AddMember("to", rapidjson::Value(tally_.last_time_sent->c_str(), a), a);
    }
    auto written = file_.finish();
    m.sha256 = written.sha256;
    m.bytes = written.bytes;
    if (file_.special()) return m;
    manifest_ = std::make_unique<DurableFile>(manifest_path(path_));
    manifest_->write(to_json(m));
    manifest_->finish();
    return m;
}

void ArchiveWriter::commit() {
    file_.commit();
    if (manifest_) manifest_->commit();
}

}  // namespace nodehost
