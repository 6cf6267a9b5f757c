/**
 * tools/chart-values: the extraction of a chart's value paths (values.yaml, the `.Values` its templates read,
 * free-form maps), the list format, the check of values against lists, and the command line.
 */
import { parseArgs } from "../../tools/chart-values";
import { extractChart, templateReads } from "../../tools/chart-values/extract";
import {
  formatList,
  formatPath,
  parseList,
  parsePath,
  unknownPaths,
  type ChartValueList,
} from "../../tools/chart-values/paths";

const CHART = `apiVersion: v2
name: demo
version: 1.2.3
dependencies:
  - name: sub
    version: 0.1.0
  - name: remote
    alias: far
    version: 2.0.0
    repository: https://charts.example.com
    condition: far.enabled,global.far
`;

const VALUES = `
image:
  repository: demo
  tag: ""
podAnnotations: {}
replicas: 1
tolerations: []
storage:
  size: null
config: |
  level: {{ .Values.logLevel }}
`;

const TEMPLATE = `
{{- with .Values.persistence }}
size: {{ .size }}
{{- with .retention }}{{ .days }}{{ end }}
{{- else }}
none: {{ .Values.fallback.on }}
{{- end }}
{{- $svc := .Values.service }}
port: {{ $svc.port }}
ini: {{ index .Values "grafana.ini" "server" }}
{{- range $k, $v := .Values.extraLabels }}{{ $k }}{{ end }}
{{- range .Values.hosts }}{{ .name }}{{ end }}
resources: {{- toYaml .Values.resources | nindent 2 }}
{{- with .Values.podAnnotations }}{{ toYaml . }}{{ end }}
env: {{ .Values.env | toJson }}
{{- define "demo.helper" }}{{ .Values.helper.flag }}{{ .Chart.Name }}{{ end }}
name: {{ .Release.Name }}
`;

const SUB_CHART = "apiVersion: v2\nname: sub\nversion: 0.1.0\n";
const SUB_VALUES = "enabled: true\nlimits:\n  cpu: 1\n";
const SUB_TEMPLATE = "{{ .Values.limits.memory }}";

const files = new Map([
  ["Chart.yaml", CHART],
  ["values.yaml", VALUES],
  ["templates/deployment.yaml", TEMPLATE],
  ["templates/NOTES.txt", "{{ .Values.notes.only }}"],
  ["README.md", "{{ .Values.readme.example }}"],
  ["ci/test-values.yaml", "ci: {{ .Values.ci.only }}"],
  ["charts/sub/Chart.yaml", SUB_CHART],
  ["charts/sub/values.yaml", SUB_VALUES],
  ["charts/sub/templates/x.yaml", SUB_TEMPLATE],
]);

describe("paths", () => {
  test("a key with a dot or other characters is written as a JSON string, and read back", () => {
    const keys = ["grafana", "grafana.ini", "auth.anonymous", "enabled"];
    expect(formatPath(keys)).toBe('grafana."grafana.ini"."auth.anonymous".enabled');
    expect(parsePath(formatPath(keys))).toEqual(keys);
    expect(parsePath("a.b-c.d_e")).toEqual(["a", "b-c", "d_e"]);
  });

  test.each(["", "a..b", "a.", '"a"b', ".a"])("%j is refused", (text) => {
    expect(() => parsePath(text)).toThrow(`malformed value path ${JSON.stringify(text)}`);
  });

  test("a list file round-trips: header, dependencies, paths and free-form maps", () => {
    const text = formatList({
      header: ["Source: https://github.com/x/y at 1234, charts/demo"],
      paths: new Set(["b", "a", 'a."x.y"']),
      freeForm: new Set(["a.labels"]),
      dependencies: [{ key: "far", chart: "remote@2.0.0" }],
    });
    expect(text).toBe(
      [
        "# Source: https://github.com/x/y at 1234, charts/demo",
        "",
        "@dependency far remote@2.0.0",
        "",
        "a",
        'a."x.y"',
        "a.labels.*",
        "b",
        "",
      ].join("\n"),
    );
    const list = parseList("demo@1.2.3", text);
    expect([...list.paths].sort()).toEqual(["a", 'a."x.y"', "b"]);
    expect([...list.freeForm]).toEqual(["a.labels"]);
    expect(list.dependencies).toEqual([{ key: "far", chart: "remote@2.0.0" }]);
    expect(() => parseList("demo@1.2.3", "a..b\n")).toThrow('demo@1.2.3: malformed value path "a..b"');
  });
});

describe("extractChart", () => {
  const chart = extractChart(files);
  const has = (p: string) => chart.paths.has(p);

  test("name and version from Chart.yaml", () => {
    expect([chart.name, chart.version]).toEqual(["demo", "1.2.3"]);
    expect(() => extractChart(new Map([["Chart.yaml", "name: x\n"]]))).toThrow(
      "Chart.yaml names no chart name and version",
    );
  });

  test("every path of values.yaml, leaves and maps; an empty map is free-form", () => {
    for (const p of ["image", "image.repository", "image.tag", "replicas", "tolerations", "storage.size"])
      expect([p, has(p)]).toEqual([p, true]);
    expect(chart.freeForm.has("podAnnotations")).toBe(true);
    expect(chart.freeForm.has("image")).toBe(false);
  });

  test("what the templates read, directly, in a with block, through a variable, by index", () => {
    for (const p of [
      "persistence.size",
      "persistence.retention.days",
      "fallback.on",
      "service.port",
      '"grafana.ini".server',
      "helper.flag",
      "notes.only",
      "logLevel", // a template string inside values.yaml
    ])
      expect([p, has(p)]).toEqual([p, true]);
    // Not values: .Release, .Chart, a range's element, README examples, CI values files.
    for (const p of ["Release", "name", "Chart", "hosts.name", "readme.example", "ci.only"])
      expect([p, has(p)]).toEqual([p, false]);
  });

  test("maps the templates take whole are free-form: toYaml, toJson, piped, as a with's dot, ranged over", () => {
    expect([...chart.freeForm].sort()).toEqual(["env", "extraLabels", "podAnnotations", "resources"]);
    expect(templateReads("{{ with .Values.a.b }}{{ toYaml . }}{{ end }}").freeForm).toEqual(new Set(["a.b"]));
    expect(templateReads("{{ tpl (toYaml .Values.c) . }}").freeForm).toEqual(new Set(["c"]));
    expect(templateReads('{{ index .Values "x.y" | toYaml }}').freeForm).toEqual(new Set(['"x.y"']));
  });

  test("a local subchart is read under its key; a fetched one is named as a dependency; conditions are paths", () => {
    for (const p of [
      "sub",
      "sub.enabled",
      "sub.limits.cpu",
      "sub.limits.memory",
      "far.enabled",
      "global.far",
    ])
      expect([p, has(p)]).toEqual([p, true]);
    expect(chart.dependencies).toEqual([{ key: "far", chart: "remote@2.0.0" }]);
  });
});

describe("unknownPaths", () => {
  const list = (chart: string, text: string): [string, ChartValueList] => [chart, parseList(chart, text)];
  const index = new Map([
    list("demo@1", "@dependency far remote@2\n\nfar\nimage\nimage.tag\nlabels.*\nglobal\nglobal.registry\n"),
    list("remote@2", "enabled\nreplicas\nglobal.pullPolicy\n"),
  ]);

  test("every path not in the list, a free-form map's keys accepted, lists and scalars end a path", () => {
    expect(
      unknownPaths(index, "demo@1", {
        image: { tag: "1", digest: "sha256:x" },
        labels: { "a.b/c": "x", nested: { any: 1 } },
        extra: [1, 2],
      }),
    ).toEqual(["image.digest", "extra"]);
  });

  test("a dependency's values are checked against its own list; global reaches every chart", () => {
    expect(
      unknownPaths(index, "demo@1", {
        far: { replicas: 2, image: "x" },
        global: { registry: "r", pullPolicy: "Always", nope: 1 },
      }),
    ).toEqual(["far.image", "global.nope"]);
  });
});

describe("the command line", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  test("needs the chart directory, its source, commit and path", () => {
    expect(
      parseArgs(["/c", "--source", "https://github.com/x/y", "--commit", sha, "--path", "charts/c"]),
    ).toEqual({
      dir: "/c",
      source: "https://github.com/x/y",
      commit: sha,
      chartPath: "charts/c",
      tag: undefined,
      out: expect.stringMatching(/tools\/chart-values\/lists$/),
    });
    expect(parseArgs(["/c", "--source", "s", "--path", "p"])).toMatch(/^missing --commit\nusage: /);
    expect(parseArgs(["/c", "--source", "s", "--commit", "abc", "--path", "p"])).toBe(
      "--commit must be a full 40-hex commit sha (got abc)",
    );
    expect(parseArgs(["/c", "--source", "s", "--commit", sha, "--path", "p", "--bogus", "1"])).toMatch(
      /^unknown option\(s\) --bogus\n/,
    );
    expect(parseArgs(["--source", "s"])).toMatch(/^usage: /);
  });
});
