// The IANA time-zone names this machine knows, for Client Time Zone when the PBX cannot be
// asked: from the system's time-zone database (tzdata's tzdata.zi, what the plugin checks a
// name against, on the machine that runs it), or else from Node.js's own list; UTC first.
'use strict';
const fs = require('node:fs');

function zoneNames() {
  let names = [];
  try {
    const zi = fs.readFileSync('/usr/share/zoneinfo/tzdata.zi', 'utf8');
    names = zi.split('\n').filter((l) => l.startsWith('Z ')).map((l) => l.split(' ')[1]);
  } catch {
    names = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  }
  return ['UTC', ...names.filter((n) => n !== 'UTC').sort()];
}

// n8n choices, each saying why the list is this machine's and not the PBX's.
function zoneChoices(why) {
  const description = `From this machine's time-zone database: the PBX could not be asked (${why})`;
  return zoneNames().map((name) => ({ name, value: name, description }));
}

module.exports = { zoneChoices };
