/**
 * build/run.js's and jest's speed measures as seen from inside jest, and the switch over them: FERRUM_SPEED
 * (build/speed.js) read and refused, jest's moduleNameMapper to the lazy stand-ins on and off, the stand-ins
 * themselves (build/lazy-modules.js). What needs a node process of its own (build/run.js, the modules a plain
 * process loads) is in run.real.test.ts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazyModule } = require("../../build/lazy-modules") as {
  lazyModule<T extends object>(load: () => T, options?: { esModule?: boolean }): T;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { speedMeasuresOn } = require("../../build/speed") as {
  speedMeasuresOn(env?: Record<string, string | undefined>): boolean;
};

const refusal = (value: string) =>
  `FERRUM_SPEED=${JSON.stringify(value)} is not a value it accepts: use one of on, off (on, the default, turns ` +
  "every speed measure on; off runs Pulumi's own code with none), or unset it";

describe("FERRUM_SPEED, the one switch over the speed measures", () => {
  test("on when unset, empty or on; off only when off", () => {
    expect([undefined, "", "on", "off"].map((v) => speedMeasuresOn({ FERRUM_SPEED: v }))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  test.each(["fast", "OFF", "0", "false", " on"])(
    "%j is refused, naming the variable, value and values",
    (v) => {
      expect(() => speedMeasuresOn({ FERRUM_SPEED: v })).toThrow(refusal(v));
    },
  );

  test("off: jest maps no module to a stand-in and leaves the workers' heap alone; on (the default) does both", () => {
    const configured = (speed: string) => {
      const saved = { speed: process.env.FERRUM_SPEED, options: process.env.NODE_OPTIONS };
      const restore = (key: string, value: string | undefined) => {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      };
      process.env.FERRUM_SPEED = speed;
      process.env.NODE_OPTIONS = "--no-warnings";
      try {
        let config: { projects: { moduleNameMapper: unknown }[] } | undefined;
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          config = require("../../jest.config.js");
        });
        return {
          mappers: config!.projects.map((p) => p.moduleNameMapper),
          workerOptions: process.env.NODE_OPTIONS,
        };
      } finally {
        restore("FERRUM_SPEED", saved.speed);
        restore("NODE_OPTIONS", saved.options);
      }
    };
    expect(configured("off")).toEqual({ mappers: [{}, {}], workerOptions: "--no-warnings" });
    const on = {
      "^typescript$": "<rootDir>/build/lazy/typescript.js",
      "^@npmcli/arborist$": "<rootDir>/build/lazy/arborist.js",
    };
    expect(configured("on")).toEqual({
      mappers: [on, on],
      workerOptions: "--no-warnings --max-semi-space-size=32",
    });
  });
});

describe("under jest, the modules @pulumi/pulumi loads for closure serialization", () => {
  test("under jest too (moduleNameMapper): typescript through the stand-in is the real compiler", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof import("typescript");
    const source = ts.createSourceFile("x.ts", "const a: number = 1;", ts.ScriptTarget.ES2022);
    expect(source.statements).toHaveLength(1);
    expect(ts.SyntaxKind[source.statements[0].kind]).toBe("FirstStatement");
  });
});

describe("lazyModule", () => {
  test("loads nothing until a property is read, then forwards reads, `in`, keys and writes", () => {
    let loads = 0;
    const real: Record<string, unknown> = {};
    Object.defineProperty(real, "fixed", { value: 1, enumerable: true, configurable: false });
    real.plain = "x";
    const m = lazyModule(() => {
      loads++;
      return real;
    });
    expect(loads).toBe(0);
    expect((m as Record<string, unknown>).fixed).toBe(1);
    expect("plain" in m).toBe(true);
    expect(Object.keys(m)).toEqual(["fixed", "plain"]);
    // A non-configurable export is reported configurable: the proxy's own target is empty.
    expect(Object.getOwnPropertyDescriptor(m, "fixed")).toMatchObject({ value: 1, configurable: true });
    (m as Record<string, unknown>).added = 2;
    expect(real.added).toBe(2);
    expect(loads).toBe(1);
  });

  test("esModule: __esModule is answered without loading, so __importStar keeps the stand-in", () => {
    let loads = 0;
    const m = lazyModule(
      () => {
        loads++;
        return { Arborist: class {} };
      },
      { esModule: true },
    ) as { __esModule?: boolean; Arborist?: unknown };
    expect(m.__esModule).toBe(true);
    expect(loads).toBe(0);
    expect(typeof m.Arborist).toBe("function");
    expect(loads).toBe(1);
  });
});
