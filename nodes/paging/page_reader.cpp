#include "paging/page_reader.hpp"

#include <wfplugin/json.hpp>

#include <algorithm>

namespace threecx::paging {

PageReader::PageReader(const PagingPlan &plan, xapi::Client &client, ExportGuard &guard, RecordHandoff &records,
                       ExportProgress &progress)
    : plan_(plan), client_(client), guard_(guard), records_(records), progress_(progress),
      on_record_([this](const xapi::Record &r) { records_.record(r); }),
      on_count_([this](int64_t n) { records_.count(n); }) {}

void PageReader::check(const xapi::PageInfo &page, bool steady_count) {
    if (steady_count) guard_.same_count(page.count);
    guard_.page_done(page.count, plan_.page_size);
}

Answer PageReader::read(const std::string &url, bool steady_count, xapi::SentAhead started) {
    guard_.page_started();
    xapi::PageInfo page = client_.get_collection(url, on_record_, on_count_, plan_.request, "TimeSent", std::move(started));
    check(page, steady_count);
    Answer got{page.records, page.records, false};
    while (!page.next_link.empty() && !records_.reached_top()) {
        got.linked = true;
        guard_.next_link(page.next_link);
        progress_.position = "the next page link " + wfplugin::json::excerpt(page.next_link, 120);
        page = client_.get_collection(page.next_link, on_record_, on_count_, plan_.request, "TimeSent");
        check(page, steady_count);
        got.records += page.records;
        got.largest = std::max(got.largest, page.records);
    }
    return got;
}

xapi::SentAhead PageReader::send_ahead(const std::string &url, size_t slot) {
    return client_.start_collection(url, slot, plan_.request);
}

}  // namespace threecx::paging
