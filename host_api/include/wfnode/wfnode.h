/* Umbrella header of the wfnode plugin ABI. */
#ifndef WFNODE_H
#define WFNODE_H
#include "abi.h"
#include "version.h"
#include "status.h"
#include "node.h"
#include "host.h"
#include "execute.h"
#include "entry.h"
#include "validate.h"
#include "token_store.h"
#include "options.h"
#include "dry_run.h"
#include "state.h"
#endif /* WFNODE_H */
