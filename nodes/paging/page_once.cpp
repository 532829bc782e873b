#include "paging/pager.hpp"

namespace threecx::paging {

void page_once(const Paging &p) {
    p.pages.read(p.plan.url({.top = p.plan.top, .skip = p.plan.skip, .by_time = false, .since = {}, .ask_count = false}));
}

}  // namespace threecx::paging
