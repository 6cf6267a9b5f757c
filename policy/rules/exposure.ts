/**
 * Nothing that holds data is reachable from outside the network, and the ingress controller is the only
 * thing that is: databases and caches private (RDS, Flexible Server, ElastiCache's security groups, Azure
 * caches, in-cluster data Services), and every Kubernetes Service ClusterIP, Traefik's Helm release excepted.
 */
import { componentOf, isDataComponent } from "../stateful";
import {
  arr,
  at,
  isUnknown,
  label,
  obj,
  str,
  worldCidrs,
  type GuardedResource,
  type ResourceRule,
} from "../resource";

/** Ports of the data services a security group must not open to the internet. */
export const DATA_PORTS: Readonly<Record<number, string>> = {
  3306: "MySQL",
  5432: "PostgreSQL",
  6379: "Redis",
  6380: "Redis (TLS)",
  10000: "Azure Managed Redis",
  11211: "Memcached",
  27017: "MongoDB",
};

/** Helm charts that are the ingress controller: the only ones allowed a LoadBalancer Service. */
export const INGRESS_CHARTS: readonly string[] = ["traefik"];

/** The data ports within `from..to` (protocol `-1`/`all` with 0..0 means every port). */
function dataPortsIn(protocol: unknown, from: unknown, to: unknown): string[] {
  const all = protocol === "-1" || protocol === "all";
  const lo = typeof from === "number" ? from : 0;
  const hi = typeof to === "number" ? to : lo;
  return Object.entries(DATA_PORTS)
    .filter(([p]) => all || (Number(p) >= lo && Number(p) <= hi))
    .map(([p, what]) => `${p} (${what})`);
}

function securityGroupFindings(r: GuardedResource): string[] {
  const rules: { protocol: unknown; from: unknown; to: unknown; cidrs: string[]; where: string }[] = [];
  if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
    arr(r.props.ingress).forEach((i, n) => {
      const x = obj(i) ?? {};
      rules.push({
        protocol: x.protocol,
        from: x.fromPort,
        to: x.toPort,
        cidrs: worldCidrs(x.cidrBlocks, x.ipv6CidrBlocks),
        where: `ingress[${n}]`,
      });
    });
  } else if (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && r.props.type === "ingress") {
    const p = r.props;
    rules.push({
      protocol: p.protocol,
      from: p.fromPort,
      to: p.toPort,
      cidrs: worldCidrs(p.cidrBlocks, p.ipv6CidrBlocks),
      where: "the rule",
    });
  } else if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
    const p = r.props;
    rules.push({
      protocol: p.ipProtocol,
      from: p.fromPort,
      to: p.toPort,
      cidrs: worldCidrs(p.cidrIpv4, p.cidrIpv6),
      where: "the rule",
    });
  }
  return rules.flatMap((x) => {
    const ports = x.cidrs.length ? dataPortsIn(x.protocol, x.from, x.to) : [];
    return ports.length
      ? [
          `${label(r)}: ${x.where} opens ${ports.join(", ")} to ${x.cidrs.join(" and ")}; ` +
            "admit the cluster's security group only (securityGroups: [<cluster security group id>])",
        ]
      : [];
  });
}

const FLEXIBLE_SERVERS = new Set([
  "azure-native:dbforpostgresql:Server",
  "azure-native:dbforpostgresql:FlexibleServer",
]);
const AZURE_CACHES = new Set([
  "azure-native:redisenterprise:RedisEnterprise",
  "azure-native:cache:Redis",
  "azure-native:cache:RedisEnterprise",
]);

function publicDataStore(r: GuardedResource): string[] {
  const p = r.props;
  if (r.type === "aws:rds/instance:Instance" || r.type === "aws:rds/clusterInstance:ClusterInstance") {
    return p.publiclyAccessible === true
      ? [`${label(r)}: publiclyAccessible is true; set publiclyAccessible: false (private subnets only)`]
      : [];
  }
  if (FLEXIBLE_SERVERS.has(r.type)) {
    const access = at(p, "network.publicNetworkAccess");
    const subnet = at(p, "network.delegatedSubnetResourceId");
    if (isUnknown(access)) return [];
    if (access === "Disabled") return [];
    if (access === undefined && subnet !== undefined) return []; // VNet-integrated: no public endpoint at all
    return [
      `${label(r)}: network.publicNetworkAccess is ${access === undefined ? "not set (Azure enables it)" : JSON.stringify(access)}; ` +
        'set network.publicNetworkAccess: "Disabled" and a delegatedSubnetResourceId',
    ];
  }
  if (r.type === "azure-native:dbforpostgresql:FirewallRule") {
    const start = str(p.startIpAddress);
    const end = str(p.endIpAddress);
    return start === "0.0.0.0"
      ? [
          `${label(r)}: the firewall rule ${start}-${end ?? "?"} opens the server to ${end === "0.0.0.0" ? "every Azure service" : "the internet"}; ` +
            "reach the server through its VNet instead",
        ]
      : [];
  }
  if (AZURE_CACHES.has(r.type)) {
    const access = p.publicNetworkAccess;
    if (access === "Disabled" || isUnknown(access)) return [];
    return [
      `${label(r)}: publicNetworkAccess is ${access === undefined ? "not set" : JSON.stringify(access)}; ` +
        'set publicNetworkAccess: "Disabled" and reach it through a private endpoint',
    ];
  }
  if (r.type === "kubernetes:core/v1:Service" && isDataComponent(r.props)) {
    const type = at(p, "spec.type");
    const external = arr(at(p, "spec.externalIPs"));
    const problems = [
      ...(type === "LoadBalancer" || type === "NodePort" ? [`type ${type}`] : []),
      ...(external.length ? ["externalIPs"] : []),
    ];
    return problems.length
      ? [
          `${label(r)}: a data service (component ${componentOf(r.props)}) exposed outside the cluster by ${problems.join(" and ")}; ` +
            "use type ClusterIP (NetworkPolicies admit this namespace only)",
        ]
      : [];
  }
  return securityGroupFindings(r);
}

export const noPublicDataStores: ResourceRule = {
  scope: "resource",
  name: "no-public-data-stores",
  description:
    "Databases and caches are private: RDS not publicly accessible, Flexible Server and Azure caches with public network access disabled, no security group opening a data port to the internet, no data Service of type LoadBalancer or NodePort.",
  check: publicDataStore,
};

/** `values.a.b.type` paths in Helm values that make a Service of type LoadBalancer or NodePort. */
function exposingServiceTypes(values: unknown, path = "values"): string[] {
  const o = obj(values);
  if (!o) return arr(values).flatMap((v, i) => exposingServiceTypes(v, `${path}[${i}]`));
  return Object.entries(o).flatMap(([k, v]) => {
    const here = `${path}.${k}`;
    if (k === "type" && (v === "LoadBalancer" || v === "NodePort") && /service/i.test(path)) {
      return [`${here} is ${v}`];
    }
    return exposingServiceTypes(v, here);
  });
}

/** A chart reference's base name: `traefik`, `repo/traefik`, `oci://ghcr.io/x/traefik` all name traefik. */
export function chartName(chart: unknown): string {
  return (str(chart) ?? "").split("/").pop() ?? "";
}

function exposure(r: GuardedResource): string[] {
  if (r.type === "kubernetes:core/v1:Service") {
    const type = at(r.props, "spec.type");
    if (type === undefined || type === "ClusterIP" || isUnknown(type)) return [];
    return [
      `${label(r)}: type ${String(type)}; every Service is ClusterIP (or headless), the ingress controller is the only ` +
        "way in: route to it with an IngressRoute",
    ];
  }
  if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
    if (INGRESS_CHARTS.includes(chartName(r.props.chart))) return [];
    return exposingServiceTypes(r.props.values).map(
      (what) =>
        `${label(r)}: ${what}; only the ingress controller's chart (${INGRESS_CHARTS.join(", ")}) may expose a ` +
        "LoadBalancer: set it to ClusterIP",
    );
  }
  return [];
}

export const onlyIngressLoadBalancer: ResourceRule = {
  scope: "resource",
  name: "only-ingress-load-balancer",
  description:
    "Kubernetes Services are ClusterIP or headless; the ingress controller's Helm release (Traefik) is the only LoadBalancer.",
  check: exposure,
};
