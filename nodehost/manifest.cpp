#include "manifest.hpp"

#include "io.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <set>

namespace nodehost {
namespace {

constexpr int manifest_version = 1;

rapidjson::Document parse_policy(std::string_view text, const std::string &what) {
    try {
        return parse_json(std::string(text), what);
    } catch (const UsageError &e) {
        throw ManifestError(e.what());
    }
}

std::optional<std::string> optional_string(const rapidjson::Value &doc, const char *key) {
    const auto &v = doc[key];
    if (v.IsNull()) return std::nullopt;
    if (!v.IsString()) throw ManifestError(std::string("\"") + key + "\" must be a string or null");
    return std::string(v.GetString(), v.GetStringLength());
}

uint64_t count(const rapidjson::Value &doc, const char *key) {
    if (!doc[key].IsUint64()) throw ManifestError(std::string("\"") + key + "\" must be a whole number");
    return doc[key].GetUint64();
}

}  // namespace

void RecordTally::add(std::string_view line) {
    auto item = parse_policy(line, "the record");
    if (!item.IsObject()) throw ManifestError("the record is not a JSON object");
    ++records;
    auto it = item.FindMember("TimeSent");
    if (it == item.MemberEnd() || !it->value.IsString()) return;
    std::string sent(it->value.GetString(), it->value.GetStringLength());
    if (!first_time_sent) first_time_sent = sent;
    last_time_sent = std::move(sent);
}

std::string manifest_path(const std::string &file) { return file + std::string(manifest_suffix); }

void check_range(const rapidjson::Value &range) {
    if (range.IsNull()) return;
    if (!range.IsObject() || range.MemberCount() != 2 || !range.HasMember("from") || !range.HasMember("to"))
        throw ManifestError("the range must be an object with \"from\" and \"to\" (and nothing else), or null");
}

std::string to_json(const Manifest &m) {
    rapidjson::StringBuffer b;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(b);
    w.SetIndent(' ', 2);
    auto text_or_null = [&](const std::optional<std::string> &s) {
        if (s) w.String(s->c_str(), static_cast<rapidjson::SizeType>(s->size()));
        else w.Null();
    };
    w.StartObject();
    w.Key("manifest");
    w.Int(manifest_version);
    w.Key("file");
    w.String(m.file.c_str(), static_cast<rapidjson::SizeType>(m.file.size()));
    w.Key("records");
    w.Uint64(m.tally.records);
    w.Key("firstTimeSent");
    text_or_null(m.tally.first_time_sent);
    w.Key("lastTimeSent");
    text_or_null(m.tally.last_time_sent);
    w.Key("range");
    m.range.Accept(w);
    if (m.late_from) {
        w.Key("lateFrom");
        text_or_null(m.late_from);
    }
    w.Key("sha256");
    w.String(m.sha256.c_str(), static_cast<rapidjson::SizeType>(m.sha256.size()));
    w.Key("bytes");
    w.Uint64(m.bytes);
    w.EndObject();
    return std::string(b.GetString(), b.GetSize()) + "\n";
}

Manifest parse_manifest(const std::string &text) {
    auto doc = parse_policy(text, "the manifest");
    if (!doc.IsObject()) throw ManifestError("the manifest is not a JSON object");
    static const std::set<std::string> keys{"manifest", "file", "records", "firstTimeSent", "lastTimeSent", "range", "sha256", "bytes"};
    for (const auto &m : doc.GetObject())
        if (!keys.count(m.name.GetString()) && std::string_view(m.name.GetString()) != "lateFrom") throw ManifestError("unknown key \"" + std::string(m.name.GetString()) + "\"");
    for (const auto &key : keys)
        if (!doc.HasMember(key.c_str())) throw ManifestError("\"" + key + "\" is missing");
    if (!doc["manifest"].IsInt() || doc["manifest"].GetInt() != manifest_version)
        throw ManifestError("\"manifest\" must be " + std::to_string(manifest_version) + " (the version this nodehost reads)");
    Manifest m;
    if (!doc["file"].IsString()) throw ManifestError("\"file\" must be a string");
    m.file = doc["file"].GetString();
    m.tally.records = count(doc, "records");
    m.tally.first_time_sent = optional_string(doc, "firstTimeSent");
    m.tally.last_time_sent = optional_string(doc, "lastTimeSent");
    check_range(doc["range"]);
    m.range.CopyFrom(doc["range"], m.range.GetAllocator());
    if (doc.HasMember("lateFrom")) {
        if (!doc["lateFrom"].IsString()) throw ManifestError("\"lateFrom\" must be a string");
        m.late_from = doc["lateFrom"].GetString();
    }
    const auto &sha = doc["sha256"];
    if (!sha.IsString() || sha.GetStringLength() != 64 ||
        std::string_view(sha.GetString()).find_first_not_of("0123456789abcdef") != std::string_view::npos)
        throw ManifestError("\"sha256\" must be 64 lower-case hex digits");
    m.sha256 = sha.GetString();
    m.bytes = count(doc, "bytes");
    return m;
}

}  // namespace nodehost
