// The one implementation behind every generated node: reads each item's parameters the way
// n8n's own nodes do (expressions evaluated per item by n8n), runs them through `nodehost
// serve`, and hands back items paired with their input item; under continue-on-fail a failed
// item becomes an error item in its place, otherwise the node fails naming the item.
'use strict';
const { request } = require('./serve.js');

// n8n's error classes, from the n8n that loaded this package (it is not a dependency of ours).
function n8nWorkflow() {
  try {
    return require.main.require('n8n-workflow');
  } catch {
    return null;
  }
}

function nodeError(ctx, message, itemIndex, description) {
  const w = n8nWorkflow();
  if (w && w.NodeOperationError) return new w.NodeOperationError(ctx.getNode(), message, { itemIndex, description });
  const e = new Error(message);
  e.itemIndex = itemIndex;
  return e;
}

function errorJson(error) {
  const json = { error: error.message };
  for (const k of ['kind', 'field', 'httpStatus', 'apiCode']) if (error[k] !== undefined) json[k] = error[k];
  return json;
}

function makeNodeClass(description, wfnodeType) {
  const credentialType = description.credentials && description.credentials[0] && description.credentials[0].name;
  const fields = description.properties.map((p) => p.name);
  const loadOptions = {};
  const walk = (props) => {
    for (const p of props) {
      const source = p.typeOptions && p.typeOptions.loadOptionsMethod;
      if (source && !loadOptions[source]) loadOptions[source] = choices(p.name);
      if (p.options && p.type === 'collection') walk(p.options);
    }
  };
  // The choices of a field with dynamic options, from the plugin (through the same process).
  function choices(field) {
    return async function () {
      const credentials = credentialType ? await this.getCredentials(credentialType) : null;
      const reply = await request({ op: 'options', node: wfnodeType, field, credentials }).done;
      // Thrown, so n8n's dropdown shows why there are no choices rather than an empty list.
      if (reply.type !== 'result') throw nodeError(this, reply.error.message, undefined, reply.error.kind);
      return reply.result.map((c) => ({ name: c.name || c.value, value: c.value, description: c.description }));
    };
  }
  walk(description.properties);

  return class {
    constructor() {
      this.description = description;
      this.methods = { loadOptions };
    }

    async execute() {
      const input = this.getInputData();
      const continueOnFail = this.continueOnFail();
      const credentials = credentialType ? await this.getCredentials(credentialType) : null;
      const out = []; // [input index, item]
      const sent = []; // input index of each item sent
      const items = [];
      input.forEach((item, i) => {
        try {
          const parameters = {};
          for (const f of fields) {
            const v = this.getNodeParameter(f, i, undefined);
            if (v !== undefined) parameters[f] = v;
          }
          items.push({ json: item.json, parameters });
          sent.push(i);
        } catch (e) {
          if (!continueOnFail) throw e;
          out.push([i, { json: { error: e.message }, pairedItem: { item: i } }]);
        }
      });
      let failure = null;
      // The node's state across executions (an incremental export's checkpoint) lives in the
      // workflow's static data, which n8n saves with the workflow; nodehost hands a new one
      // back only when the execution succeeded.
      const staticData = typeof this.getWorkflowStaticData === 'function' ? this.getWorkflowStaticData('node') : null;
      let staged = null;
      if (items.length) {
        const body = { op: 'execute', node: wfnodeType, credentials, items, continueOnFail };
        if (staticData) body.state = staticData.wfnodeState || null;
        const call = request(body, (line) => {
          if (line.type === 'state') staged = line.json;
          else if (line.type === 'item') out.push([sent[line.pairedItem], { json: line.json, pairedItem: { item: sent[line.pairedItem] } }]);
          else if (line.type === 'error' && !failure) {
            const index = line.pairedItem === null ? undefined : sent[line.pairedItem];
            if (!continueOnFail) failure = nodeError(this, line.error.message, index, line.error.kind);
            else if (index !== undefined) out.push([index, { json: errorJson(line.error), pairedItem: { item: index } }]);
            else out.push([sent[0], { json: errorJson(line.error), pairedItem: sent.map((item) => ({ item })) }]);
          }
        });
        const signal = typeof this.getExecutionCancelSignal === 'function' ? this.getExecutionCancelSignal() : undefined;
        const onAbort = () => call.cancel();
        if (signal) signal.addEventListener('abort', onAbort, { once: true });
        let last;
        try {
          last = await call.done;
        } catch (e) {
          throw nodeError(this, e.message); // nodehost serve ended, or could not say which request it answered
        } finally {
          if (signal) signal.removeEventListener('abort', onAbort);
        }
        if (last.type === 'rejected') throw nodeError(this, last.error.message);
        if (failure) throw failure;
        if (last.cancelled) throw nodeError(this, 'the execution was cancelled');
        if (staged && staticData) staticData.wfnodeState = staged;
      }
      // In input order, as n8n's own nodes return them (a stable sort keeps each item's order).
      out.sort((a, b) => a[0] - b[0]);
      return [out.map(([, item]) => item)];
    }
  };
}

module.exports = { makeNodeClass };
