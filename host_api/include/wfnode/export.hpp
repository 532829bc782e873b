// What the loader library (libwfnode_loader.so) exports: it builds with hidden visibility,
// so only what is marked here is part of its ABI, which tests/abi guards.
#pragma once

#if defined(_WIN32)
#define WFNODE_LOADER_API
#else
#define WFNODE_LOADER_API __attribute__((visibility("default")))
#endif
