/**
 * lib/cidr.ts: blocks are carved in order, aligned, and what does not fit is named.
 */
import { carve } from "../../lib/cidr";

describe("carve", () => {
  test("packs blocks in order, each aligned to its size", () => {
    expect(carve("10.0.0.0/24", [26, 28, 26])).toEqual(["10.0.0.0/26", "10.0.0.64/28", "10.0.0.128/26"]);
    expect(carve("192.168.0.0/16", [24, 20])).toEqual(["192.168.0.0/24", "192.168.16.0/20"]);
  });

  test.each([
    ["10.0.0.0/24", [25, 25, 25], "block 3 (/25) does not fit in 10.0.0.0/24"],
    ["10.0.0.0/24", [23], "a /23 block cannot be carved from 10.0.0.0/24"],
    ["10.0.0.1/24", [26], "10.0.0.1/24 has host bits set"],
    ["10.0.0.0/33", [26], "not an IPv4 CIDR: 10.0.0.0/33"],
    ["10.0.256.0/24", [26], "not an IPv4 CIDR: 10.0.256.0/24"],
  ])("%s into %j: %s", (cidr, prefixes, message) => {
    expect(() => carve(cidr, prefixes)).toThrow(message);
  });
});
