export { Keda, kedaValues } from "./keda";
export type { KedaArgs } from "./keda";
export { KEDA_CHART, KEDA_RELEASE } from "./chart";
