// The parameters a form starts with: the UI schema's "formDefault" hints and nothing else
// (Purge Chats' Dry Run starts on, so a form sent untouched only previews; the period starts
// empty). One piece for the page (a global) and for the test that runs every form untouched
// (tests/editors/destructive_defaults_test.mjs, through require).
'use strict';

function formStartValue(ui) {
  let start;
  for (const [name, child] of Object.entries(ui || {})) {
    if (name.startsWith('ui:') || !child || typeof child !== 'object') continue;
    const options = child['ui:options'] || {};
    const value = 'formDefault' in options ? options.formDefault : formStartValue(child);
    if (value !== undefined) start = { ...(start || {}), [name]: value };
  }
  return start;
}

if (typeof module !== 'undefined') module.exports = { formStartValue };
