// Draws the chosen node's form from its standard JSON Schema (describe.json) and applies the
// editor hints of its UI schema (ui-schema.json) the way this library takes them: order,
// placeholders, password inputs, text areas. Shows the parameters JSON on every change.
'use strict';

// The library's own hint keywords, from the uiSchema, on a copy of the schema.
function withHints(schema, ui) {
  if (!schema || typeof schema !== 'object' || !ui) return schema;
  const out = { ...schema };
  const options = { ...(out.options || {}) };
  if (ui['ui:placeholder']) options.inputAttributes = { placeholder: ui['ui:placeholder'] };
  if (ui['ui:widget'] === 'password') out.format = 'password';
  if (ui['ui:options'] && ui['ui:options'].rows) out.format = out.format || 'textarea';
  if (Object.keys(options).length) out.options = options;
  const order = ui['ui:order'] || [];
  const hinted = (props) => {
    const copy = {};
    for (const [name, prop] of Object.entries(props)) {
      copy[name] = withHints(prop, ui[name]);
      if (order.includes(name)) copy[name].propertyOrder = order.indexOf(name) + 1;
    }
    return copy;
  };
  if (out.properties) out.properties = hinted(out.properties);
  if (out.then && out.then.properties) out.then = { ...out.then, properties: hinted(out.then.properties) };
  return out;
}

async function main() {
  const [described, ui] = await Promise.all(['describe.json', 'ui-schema.json'].map((f) => fetch(f).then((r) => r.json())));
  const select = document.getElementById('node');
  for (const n of described.nodes) select.add(new Option(n.displayName, n.type));
  let editor = null;
  const draw = () => {
    if (editor) editor.destroy();
    const i = described.nodes.findIndex((n) => n.type === select.value);
    const schema = withHints(described.nodes[i].schema, ui.nodes[i].uiSchema);
    delete schema.$schema; // the library reads the keywords it knows; the dialect needs no fetch
    const startval = formStartValue(ui.nodes[i].uiSchema); // start_value.js
    editor = new JSONEditor(document.getElementById('form'), {
      schema,
      ...(startval ? { startval } : {}),
      theme: 'html',
      // Optional fields only when added, and no value but the form's own starts: a form
      // that sends nothing the user did not choose (a default is what the node does anyway)
      // and holds no value that deletes anything (the period starts empty).
      display_required_only: true,
      use_default_values: false,
      remove_empty_properties: true,
      show_errors: 'always',
      disable_edit_json: true,
    });
    const out = document.getElementById('parameters');
    editor.on('change', () => {
      out.textContent = JSON.stringify(editor.getValue(), null, 2);
      out.dataset.valid = String(editor.validate().length === 0);
    });
  };
  select.addEventListener('change', draw);
  draw();
  document.body.dataset.ready = 'true';
}
main();
