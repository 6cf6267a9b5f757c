/**
 * The files under components/observability/monitoring/ that are rendered from code: the rules promtool checks and tests, and the
 * dashboard. A test keeps the committed files equal to a fresh render. Pure.
 */
import { DASHBOARD_FILE, renderDashboardJson } from "./dashboard";
import { DEFAULT_RULE_PARAMS, renderRulesYaml } from "./rules";

/** Repository path -> content. */
export function monitoringFiles(): Record<string, string> {
  return {
    "components/observability/monitoring/rules.yaml": renderRulesYaml(DEFAULT_RULE_PARAMS),
    [`components/observability/monitoring/dashboards/${DASHBOARD_FILE}`]: renderDashboardJson({
      platformNamespace: DEFAULT_RULE_PARAMS.platformNamespace,
    }),
  };
}
