// nodehost's errors in the words of n8n's form: the useful part first (what the PBX or the
// check said), the request that failed after it, decoded, in the description; the form's
// labels (Client Time Zone, Options › Dry Run) instead of the parameters' keys; a refused
// Client ID or API Key said as such. The error items of continue-on-fail keep the keys in
// their "field" for expressions that test them.
'use strict';

// key path -> label, from a node's n8n properties: "clientTimeZone" -> "Client Time Zone",
// "options.dryRun" -> "Options › Dry Run".
// (n8n's " Name or ID" ending of a field with choices left out: "Client Time Zone").
function labelsOf(properties) {
  const labels = new Map();
  const label = (p) => p.displayName.replace(/ Name or ID$/, '');
  for (const p of properties) {
    labels.set(p.name, label(p));
    for (const o of p.type === 'collection' ? p.options || [] : []) labels.set(`${p.name}.${o.name}`, `${label(p)} › ${label(o)}`);
  }
  return labels;
}

// A key path written in a message: a known one, or a known key with a sub-key the form has
// no label for ("period.Start" -> "Period › Start"). A single key is taken for one only when
// it is camelCase ("clientTimeZone"), so plain words ("a period that ...") stay words.
function relabel(text, labels) {
  return text.replace(/\b[a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*\b/g, (word, offset, whole) => {
    if (whole[offset - 1] === '/' || whole[offset - 1] === '.') return word; // part of a URL or a file name
    if (labels.has(word) && (word.includes('.') || /[A-Z]/.test(word))) return labels.get(word);
    const dot = word.indexOf('.');
    if (dot > 0 && labels.has(word.slice(0, dot))) return `${labels.get(word.slice(0, dot))} › ${word.slice(dot + 1)}`;
    return word;
  });
}

const decoded = (target) => {
  try {
    return decodeURIComponent(target);
  } catch {
    return target;
  }
};

// { message, description } for n8n from nodehost's error object.
function forPerson(error, labels = new Map()) {
  const original = (error && error.message) || 'nodehost gave no reason';
  // The plugin's API errors read "GET <target> failed: HTTP 400 Code: text": the target,
  // percent-encoded and long, would hide what the PBX said.
  const request = /^(GET|POST|PUT|PATCH|DELETE) (\S+) failed: ([\s\S]*)$/.exec(original);
  if (request)
    return { message: `The PBX refused the request: ${request[3]}`, description: `${request[1]} ${decoded(request[2])}` };
  if (error && error.kind === 'authentication error' && /token request/.test(original))
    return {
      message: `The PBX refused the credential's Client ID or API Key${error.apiCode ? ` (${error.apiCode})` : ''}: check both in the 3CX API credential`,
      description: original,
    };
  return { message: relabel(original, labels), description: error && error.kind };
}

module.exports = { forPerson, labelsOf, relabel };
