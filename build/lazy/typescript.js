"use strict";
// jest.config.js maps `typescript` here: loaded on first use (see build/lazy-modules.js).
module.exports = require("../lazy-modules").jestStandIn("typescript", require);
