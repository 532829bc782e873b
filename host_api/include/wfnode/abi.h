/* wfnode: a C ABI for workflow-engine node plugins.
 *
 * Shared vocabulary used by every other header: export/calling-convention macros and the
 * thread tags that end each member's comment.
 *
 * Thread tags (one vocabulary, used everywhere):
 *   [any-thread]   may be called from any thread, concurrently with any other [any-thread] call.
 *   [load-thread]  called by the host from the thread that loaded the plugin, never
 *                  concurrently with any other call into the plugin.
 *   [exec-thread]  a host callback: the plugin calls it only on the thread that called
 *                  execute(), and only before execute() returns.
 */
#ifndef WFNODE_ABI_H
#define WFNODE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define WFNODE_EXTERN_C extern "C"
#else
#define WFNODE_EXTERN_C
#endif

/* Calling convention of every function and function pointer of this ABI. Empty on the
 * System V ABI; kept so a future 32-bit Windows port cannot mix conventions. */
#if defined(_WIN32) && !defined(_WIN64)
#define WFNODE_ABI __cdecl
#else
#define WFNODE_ABI
#endif

#if defined(_WIN32)
#define WFNODE_EXPORT WFNODE_EXTERN_C __declspec(dllexport)
#else
#define WFNODE_EXPORT WFNODE_EXTERN_C __attribute__((visibility("default")))
#endif

#endif /* WFNODE_ABI_H */
