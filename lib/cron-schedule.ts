/**
 * Validation of a CronJob schedule, the way Kubernetes reads `spec.schedule` (robfig/cron's standard parser):
 * five fields (minute hour day-of-month month day-of-week) of `*`, numbers, ranges `a-b`, steps `/n` and lists
 * `a,b`, three-letter month and weekday names, or one of the `@hourly`-style descriptors. Pure.
 *
 * The schedule is in the controller's time zone (UTC on k3s and the managed clusters); `TZ=` prefixes are
 * refused by Kubernetes itself, so they are refused here too, before anything is applied.
 */

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** The number a field item names (a number or, for month and weekday, a name), or undefined. */
function value(text: string, field: Field): number | undefined {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const i = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (i < 0) return undefined;
  return field.name === "month" ? i + 1 : i;
}

/** What is wrong with one item of a list (`*`, `5`, `1-5`, `*\/15`, `mon-fri/2`); undefined when valid. */
function itemProblem(item: string, field: Field): string | undefined {
  const [range, step, ...extra] = item.split("/");
  if (extra.length || range === "" || (step !== undefined && !/^\d+$/.test(step))) {
    return `${field.name} item ${JSON.stringify(item)} is not a number, range or step`;
  }
  if (step !== undefined && Number(step) < 1) return `${field.name} step must be at least 1`;
  if (range === "*") return undefined;
  const bounds = range!.split("-");
  if (bounds.length > 2) return `${field.name} item ${JSON.stringify(item)} is not a number, range or step`;
  const numbers = bounds.map((b) => value(b, field));
  if (numbers.some((n) => n === undefined)) {
    return `${field.name} item ${JSON.stringify(item)} is not a number, range or step`;
  }
  if (numbers.some((n) => n! < field.min || n! > field.max)) {
    return `${field.name} must lie between ${field.min} and ${field.max} (got ${JSON.stringify(item)})`;
  }
  if (numbers.length === 2 && numbers[0]! > numbers[1]!) {
    return `${field.name} range ${JSON.stringify(item)} runs backwards`;
  }
  return undefined;
}

/** Every problem with a schedule; empty when Kubernetes would accept it. */
export function scheduleProblems(schedule: string): string[] {
  const text = schedule.trim();
  if (text.startsWith("@")) {
    return DESCRIPTORS.includes(text.toLowerCase())
      ? []
      : [`${JSON.stringify(text)} is not one of ${DESCRIPTORS.join(", ")}`];
  }
  if (/^(CRON_)?TZ=/.test(text)) {
    return [
      "a time zone prefix (TZ=...) is refused by Kubernetes: schedules run in the cluster's time zone (UTC)",
    ];
  }
  const parts = text.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== FIELDS.length) {
    return [`must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`];
  }
  const problems: string[] = [];
  parts.forEach((part, i) => {
    for (const item of part.split(",")) {
      const problem = itemProblem(item, FIELDS[i]!);
      if (problem) problems.push(problem);
    }
  });
  return problems;
}
