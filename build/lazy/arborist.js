"use strict";
// jest.config.js maps `@npmcli/arborist` here: loaded on first use (see build/lazy-modules.js).
module.exports = require("../lazy-modules").jestStandIn("@npmcli/arborist", require);
