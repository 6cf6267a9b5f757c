/**
 * `ferrum:tls`: where the certificate the API (and every public host) serves comes from. Pure; read by
 * config.ts. A cloud stack must serve a certificate clients trust, so it has no default there:
 *
 * - `acme`: cert-manager gets one from Let's Encrypt (or another ACME server) with the HTTP-01 challenge,
 *   served by Traefik on :80 through a route the HTTP-to-HTTPS redirect lets through. The host's DNS record
 *   must point at the load balancer before the certificate can be issued; `pulumi up` does not wait for the
 *   issuance (Traefik serves its default certificate meanwhile), so the first run never blocks on DNS.
 * - `acm` (AWS): an ACM certificate at the NLB; Traefik then receives plain HTTP, and the routes tell Django
 *   the request was HTTPS (X-Forwarded-Proto), which it was up to the load balancer.
 * - `selfSigned` (k3s only): Traefik's default certificate, for development.
 */
import type { ObjectReader } from "./reader";

export const TLS_SOURCES = ["acme", "acm", "selfSigned"] as const;
export type TlsSource = (typeof TLS_SOURCES)[number];

/** Let's Encrypt's ACME directories; `staging` issues untrusted certificates with generous rate limits. */
export const ACME_SERVERS = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

export type TlsSettings =
  | { readonly source: "selfSigned" }
  | { readonly source: "acm"; readonly certificateArn: string }
  | { readonly source: "acme"; readonly email: string; readonly server: keyof typeof ACME_SERVERS };

const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]+$/;

export function readTls(
  r: ObjectReader,
  ctx: { readonly cloud: "k3s" | "aws" | "azure"; readonly awsRegion?: string },
): TlsSettings {
  const p = r.problems;
  const present = r.keys().length > 0;
  const source = r.oneOf("source", TLS_SOURCES, ctx.cloud === "k3s" ? "selfSigned" : "acme");
  const email = r.string("acmeEmail", "", {
    pattern: /^$|^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i,
    expectation: "an email address for the ACME account (expiry notices)",
    example: "platform@ferrum.example",
  });
  const server = r.oneOf("acmeServer", ["production", "staging"] as const, "production");
  const certificateArn = r.string("certificateArn", "", {
    pattern: /^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
    expectation: "an ACM certificate ARN",
    example: "arn:aws:acm:eu-central-1:123456789012:certificate/0000",
  });
  r.rejectUnknown();

  if (ctx.cloud !== "k3s" && !present) {
    p.add(
      "tls.source",
      `must be set on a cloud stack: clients reject Traefik's self-signed default certificate (got nothing); use ACME (Let's Encrypt through cert-manager) with: ${p.set("tls.source", "acme")} and ${p.set("tls.acmeEmail", "<your ops email>")}${ctx.cloud === "aws" ? `, or an ACM certificate at the load balancer with: ${p.set("tls.source", "acm")} and ${p.set("tls.certificateArn", "<arn>")}` : ""}`,
    );
    return { source: "acme", email: "", server };
  }
  const unused = (key: string, why: string) =>
    r.has(key) &&
    p.add(
      `tls.${key}`,
      `does nothing with tls.source ${source} (got ${JSON.stringify(r.value[key])}): ${why}; remove it with: ${p.remove(`tls.${key}`)}`,
    );
  switch (source) {
    case "selfSigned":
      if (ctx.cloud !== "k3s") {
        p.add(
          "tls.source",
          `must be acme${ctx.cloud === "aws" ? " or acm" : ""} on a cloud stack: clients reject Traefik's self-signed default certificate (got "selfSigned"); set it with: ${p.set("tls.source", "acme")}`,
        );
      }
      unused("acmeEmail", "only acme uses it");
      unused("acmeServer", "only acme uses it");
      unused("certificateArn", "only acm uses it");
      return { source };
    case "acm": {
      if (ctx.cloud !== "aws") {
        p.add(
          "tls.source",
          `can be acm on an AWS stack only, where ACM certificates end TLS at the NLB (got "acm"); set it with: ${p.set("tls.source", "acme")}`,
        );
      } else if (certificateArn === "") {
        p.add(
          "tls.certificateArn",
          `must be set with tls.source acm (got ""); set it with: ${p.set("tls.certificateArn", "arn:aws:acm:<region>:<account>:certificate/<id>")}`,
        );
      } else {
        const region = ACM_ARN.exec(certificateArn)?.[1];
        if (region && ctx.awsRegion && region !== ctx.awsRegion) {
          p.add(
            "tls.certificateArn",
            `must be a certificate of the stack's region ${ctx.awsRegion}: an NLB only uses ACM certificates of its own region (got one of ${region}); request or import it in ${ctx.awsRegion} and set it with: ${p.set("tls.certificateArn", `arn:aws:acm:${ctx.awsRegion}:<account>:certificate/<id>`)}`,
          );
        }
      }
      unused("acmeEmail", "only acme uses it");
      unused("acmeServer", "only acme uses it");
      return { source, certificateArn };
    }
    case "acme":
      if (!EMAIL.test(email)) {
        p.add(
          "tls.acmeEmail",
          `must be set with tls.source acme: the ACME account's contact, told before a certificate expires (got ${JSON.stringify(email)}); set it with: ${p.set("tls.acmeEmail", "<your ops email>")}`,
        );
      }
      unused("certificateArn", "only acm uses it");
      return { source, email, server };
  }
}
