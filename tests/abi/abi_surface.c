/* The ABI headers' whole surface in one exported function, so the abidw baseline covers the
 * structs no exported symbol reaches (extension vtables and their requests). Built as C99
 * with fixed flags, so its record does not depend on the build type. */
#include <wfnode/wfnode.h>

WFNODE_EXPORT uint32_t wfnode_abi_surface(const wfnode_plugin *plugin, const wfnode_host *host,
                                          const wfnode_execute_request *request, const wfnode_validate_ext *validate,
                                          const wfnode_token_store *token_store, const wfnode_options_ext *options,
                                          const wfnode_options_request *options_request, const wfnode_error *error,
                                          const wfnode_progress *progress, const wfnode_node_def *node,
                                          const wfnode_credential_def *credential, const wfnode_dry_run_ext *dry_run,
                                          const wfnode_state *state);

WFNODE_EXPORT uint32_t wfnode_abi_surface(const wfnode_plugin *plugin, const wfnode_host *host,
                                          const wfnode_execute_request *request, const wfnode_validate_ext *validate,
                                          const wfnode_token_store *token_store, const wfnode_options_ext *options,
                                          const wfnode_options_request *options_request, const wfnode_error *error,
                                          const wfnode_progress *progress, const wfnode_node_def *node,
                                          const wfnode_credential_def *credential, const wfnode_dry_run_ext *dry_run,
                                          const wfnode_state *state) {
    return plugin->struct_size + host->struct_size + request->struct_size + validate->struct_size +
           token_store->struct_size + options->struct_size + options_request->struct_size + error->struct_size +
           progress->struct_size + node->struct_size + credential->struct_size + dry_run->struct_size + state->struct_size;
}
