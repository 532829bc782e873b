// The one implementation behind every generated node: reads each item's parameters the way
// n8n's own nodes do (expressions evaluated per item by n8n), runs them through `nodehost
// serve`, and hands back items paired with their input item; under continue-on-fail a failed
// item becomes an error item in its place, otherwise the node fails naming the item.
'use strict';
const { request } = require('./serve.js');
const { forPerson, labelsOf } = require('./messages.js');
const { zoneChoices } = require('./time_zones.js');

// n8n's error classes, from the n8n that loaded this package (it is not a dependency of ours).
function n8nWorkflow() {
  try {
    return require.main.require('n8n-workflow');
  } catch {
    return null;
  }
}

// An error of nodehost's, in the words of the form (see messages.js).
function pluginError(ctx, error, labels, itemIndex) {
  const { message, description } = forPerson(error, labels);
  return nodeError(ctx, message, itemIndex, description);
}

function nodeError(ctx, message, itemIndex, description) {
  const w = n8nWorkflow();
  if (w && w.NodeOperationError) return new w.NodeOperationError(ctx.getNode(), message, { itemIndex, description });
  const e = new Error(message);
  e.itemIndex = itemIndex;
  e.description = description;
  return e;
}

function errorJson(error, labels) {
  const json = { error: forPerson(error, labels).message };
  for (const k of ['kind', 'field', 'httpStatus', 'apiCode']) if (error[k] !== undefined) json[k] = error[k];
  return json;
}

// n8n keeps an added number field that was left empty as null: the node was given no
// value for it, so none is sent (Top left empty asks for no $top).
function withoutEmptyNumbers(value, props) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    const p = props.find((x) => x.name === k);
    if (p && p.type === 'number' && (v === null || v === '')) continue;
    out[k] = p && p.type === 'collection' ? withoutEmptyNumbers(v, p.options || []) : v;
  }
  return out;
}

// What n8n hands back for a field its form does not show (a path parameter of another
// operation): n8n keeps no value for it, and it is not sent.
const NOT_SHOWN = '\u0000wfnode: not shown';

// options: { timeZoneFields: [field], credentialTest: { node, field }, credentialFields }
// (generate.mjs).
function makeNodeClass(description, wfnodeType, options) {
  const credentialType = description.credentials && description.credentials[0] && description.credentials[0].name;
  // What nodehost gets of a credential: its own fields, not the form's notice.
  const credentialData = (data) =>
    data && Object.fromEntries(Object.entries(data).filter(([k]) => options.credentialFields.includes(k)));
  const credentialsOf = async (ctx) => (credentialType ? credentialData(await ctx.getCredentials(credentialType)) : null);
  // Each top-level name once (the 3CX node has one Operation per resource, one shown at a time).
  const fields = [...new Set(description.properties.map((p) => p.name))];
  const labels = labelsOf(description.properties);
  const loadOptions = {};
  const walk = (props) => {
    for (const p of props) {
      const source = p.typeOptions && p.typeOptions.loadOptionsMethod;
      if (source && !loadOptions[source]) loadOptions[source] = choices(p.name);
      if (p.options && p.type === 'collection') walk(p.options);
    }
  };
  // The choices of a field with dynamic options, from the plugin (through the same process).
  // Time zones the PBX cannot list (no credential yet, the PBX or nodehost out of reach) come
  // from this machine's time-zone database, which the plugin checks names against, each
  // choice saying why; any other field's failure is thrown, so n8n's dropdown shows why.
  function choices(field) {
    return async function () {
      let reply;
      try {
        const credentials = await credentialsOf(this);
        reply = await request({ op: 'options', node: wfnodeType, field, credentials }).done;
      } catch (e) {
        reply = { type: 'error', error: { message: e.message, kind: e.kind } };
      }
      if (reply.type === 'result')
        return reply.result.map((c) => ({ name: c.name || c.value, value: c.value, description: c.description }));
      const why = forPerson(reply.error, labels).message;
      const fallback = options.timeZoneFields.includes(field) ? zoneChoices(why) : null;
      if (fallback && fallback.length) return fallback;
      throw nodeError(this, why, undefined, reply.error.kind);
    };
  }
  walk(description.properties);

  // The credential's Test button: asks the PBX for its time zones through nodehost, with the
  // token every execution shares (fetched only when none is cached), so a test never takes
  // the token of running workflows away. Says what failed in the form's words.
  const credentialTest = {
    async threecxApiTest(credential) {
      let reply;
      try {
        const { node, field } = options.credentialTest;
        reply = await request({ op: 'options', node, field, credentials: credentialData(credential.data) }).done;
      } catch (e) {
        return { status: 'Error', message: e.message };
      }
      if (reply.type === 'result') return { status: 'OK', message: `Connected: the PBX lists ${reply.result.length} time zones` };
      return { status: 'Error', message: forPerson(reply.error, labels).message };
    },
  };

  return class {
    constructor() {
      this.description = description;
      this.methods = { loadOptions, credentialTest };
    }

    async execute() {
      const input = this.getInputData();
      const continueOnFail = this.continueOnFail();
      const credentials = await credentialsOf(this);
      const out = []; // [input index, item]
      const sent = []; // input index of each item sent
      const items = [];
      input.forEach((item, i) => {
        try {
          const parameters = {};
          for (const f of fields) {
            const given = this.getNodeParameter(f, i, NOT_SHOWN);
            if (given === NOT_SHOWN) continue;
            const v = withoutEmptyNumbers({ [f]: given }, description.properties)[f];
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
            if (!continueOnFail) failure = pluginError(this, line.error, labels, index);
            else if (index !== undefined) out.push([index, { json: errorJson(line.error, labels), pairedItem: { item: index } }]);
            else out.push([sent[0], { json: errorJson(line.error, labels), pairedItem: sent.map((item) => ({ item })) }]);
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
        if (last.type === 'rejected') throw pluginError(this, last.error, labels);
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
