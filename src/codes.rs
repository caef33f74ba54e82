//! Every diagnostic code k8gen reports, in one registry: the only place a `K0xxx` literal is
//! written. Errors `K00xx` are about the shape of a spec (TOML, keys, types), `K01xx` about
//! values and references, `K0200` about allow lists; `K02xx` are lint warnings.
//!
//! Each code is documented with an example in `docs/errors.md` (a test checks every code in
//! [`ALL`] is there). This module holds codes only: no rules, no messages.

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $konst:ident = $code:literal;)*) => {
        $($(#[doc = $doc])* pub const $konst: &str = $code;)*
        /// Every code, in code order.
        pub const ALL: &[&str] = &[$($code),*];
    };
}

codes! {
    /// TOML syntax error (includes duplicate keys and invalid UTF-8).
    SYNTAX = "K0001";
    /// A key the spec does not know.
    UNKNOWN_KEY = "K0002";
    /// A value of the wrong type.
    WRONG_TYPE = "K0003";
    /// A required key is missing.
    MISSING_KEY = "K0004";
    INVALID_NAME = "K0101";
    INVALID_LABEL = "K0102";
    INVALID_IMAGE = "K0103";
    INVALID_PORT = "K0104";
    INVALID_QUANTITY = "K0105";
    INVALID_ROLLOUT = "K0106";
    INVALID_KEY = "K0107";
    FILE_UNREADABLE = "K0108";
    ENV_UNSET = "K0109";
    UNKNOWN_REFERENCE = "K0110";
    INVALID_VALUE = "K0111";
    MISSING_VALUE = "K0112";
    OUT_OF_RANGE = "K0113";
    NAME_TOO_LONG = "K0114";
    DUPLICATE = "K0115";
    TOO_LARGE = "K0116";
    NOT_FOR_KIND = "K0117";
    INVALID_SCHEDULE = "K0118";
    BLOCKING_BUDGET = "K0119";
    INVALID_RBAC = "K0120";
    INVALID_PATCH = "K0121";
    UNREACHABLE = "K0122";
    /// An `allow` for a rule the platform's policy denies, without an exception.
    DENIED_RULE = "K0123";
    /// A component's selector that also selects another component's pods.
    SELECTOR_OVERLAP = "K0124";
    /// `create_namespace = true` for a namespace the environment owns (k8gen.toml).
    NAMESPACE_OWNED_BY_ENVIRONMENT = "K0125";
    /// A `{ file = ... }` resolving (after symlinks) outside the repo root.
    OUTSIDE_ROOT = "K0130";
    /// A `{ file = ... }` with an absolute path.
    ABSOLUTE_PATH = "K0131";
    /// A `{ env = ... }` the platform does not allow.
    ENV_NOT_ALLOWED = "K0132";
    /// An invalid pattern in the platform file's `[inputs] env.allow`.
    INVALID_ENV_PATTERN = "K0133";
    /// A Secret with values k8gen knows in a tree render, without a secrets mode.
    PLAIN_SECRET_IN_TREE = "K0140";
    /// `secrets_mode = "plain"` in a tree render the platform does not allow it in.
    PLAIN_SECRETS_NOT_ALLOWED = "K0141";
    /// `secrets_mode = "external"` with a value that is not `{ external = ... }`.
    NOT_EXTERNAL = "K0142";
    /// `secrets_mode = "sops"` without any `sops.age` recipient.
    NO_RECIPIENTS = "K0143";
    /// A `sops.age` entry that is no age recipient (`age1...`).
    INVALID_RECIPIENT = "K0144";
    /// Encrypting a Secret failed (the recipient was refused by the age library).
    ENCRYPTION_FAILED = "K0145";
    /// `secrets_mode = "sealed"` without `sealed.certificate`.
    NO_CERTIFICATE = "K0146";
    /// `sealed.certificate` is no usable certificate (no PEM certificate, unreadable, no RSA key).
    INVALID_CERTIFICATE = "K0147";
    /// `sealed.certificate` expired (the CLI compares it with its clock; the library has none).
    CERTIFICATE_EXPIRED = "K0148";
    /// `sealed.scope = "strict"` with `config_rollout = "hashed-names"`: the name is not known
    /// until the values are sealed.
    STRICT_SCOPE_HASHED_NAMES = "K0149";
    /// `secrets_mode = "sealed"` with a `strict` or `namespace-wide` scope, but no namespace.
    SEALED_WITHOUT_NAMESPACE = "K0150";
    /// A passthrough object (`[[objects]]`) k8gen cannot write as it is: no `apiVersion`,
    /// `kind` or `metadata.name`, a value of the wrong type, a namespace on a cluster-scoped
    /// kind, a Secret holding values.
    INVALID_OBJECT = "K0151";
    /// An Argo CD Application of a tree whose name (`APP-ENV`) is longer than the 63
    /// characters of a label value, under label tracking.
    APPLICATION_NAME_TOO_LONG = "K0152";
    /// Two specs rendered for one environment both emit the same Namespace (one owner per
    /// Namespace; found by the CLI across the specs of a run).
    NAMESPACE_TWO_OWNERS = "K0153";
    /// An `allow` entry that names no lint rule.
    UNKNOWN_RULE = "K0200";
    MISSING_READINESS = "K0201";
    MISSING_LIVENESS = "K0202";
    MISSING_RESOURCES = "K0203";
    MUTABLE_IMAGE = "K0204";
    SINGLE_REPLICA_BUDGET = "K0205";
    SAME_PROBES = "K0206";
    SECRETS_AS_ENV = "K0207";
    PLAINTEXT_SECRET = "K0208";
    AUTOSCALE_WITHOUT_REQUESTS = "K0209";
    SHARED_SINGLE_WRITER_CLAIM = "K0210";
    RELAXED_SECURITY = "K0211";
    NO_NAMESPACE = "K0212";
    PLAIN_HTTP_INGRESS = "K0213";
    MISSING_REQUIRED_LABELS = "K0214";
    VERSION_IN_SELECTOR = "K0215";
    FLUX_SUBSTITUTION = "K0218";
    SECRETS_WITHOUT_MODE = "K0220";
    SEALED_CERTIFICATE_EXPIRING = "K0221";
}

/// The lint rules of `k8gen check`: code, name (what `allow` lists) and what each looks for.
/// The rule engine checks `allow` lists against them; `lint` implements them.
pub mod lints {
    /// One lint rule.
    #[derive(Debug, Clone, Copy)]
    pub struct Rule {
        pub code: &'static str,
        pub name: &'static str,
        /// What the rule looks for.
        pub summary: &'static str,
    }

    pub const MISSING_READINESS: Rule = Rule {
        code: super::MISSING_READINESS,
        name: "missing-readiness-probe",
        summary: "a serving component without a readiness probe gets traffic before it is ready",
    };
    pub const MISSING_LIVENESS: Rule = Rule {
        code: super::MISSING_LIVENESS,
        name: "missing-liveness-probe",
        summary: "a long-running component without a liveness probe is never restarted when it hangs",
    };
    pub const MISSING_RESOURCES: Rule = Rule {
        code: super::MISSING_RESOURCES,
        name: "missing-resources",
        summary: "a container without CPU/memory requests or a memory limit",
    };
    pub const MUTABLE_IMAGE: Rule = Rule {
        code: super::MUTABLE_IMAGE,
        name: "latest-or-untagged-image",
        summary: "an image tagged `latest` or not tagged at all changes under your feet",
    };
    pub const SINGLE_REPLICA_BUDGET: Rule = Rule {
        code: super::SINGLE_REPLICA_BUDGET,
        name: "single-replica-budget",
        summary: "a disruption budget on one replica cannot keep anything available",
    };
    pub const SAME_PROBES: Rule = Rule {
        code: super::SAME_PROBES,
        name: "liveness-same-as-readiness",
        summary: "liveness equal to readiness without an initial delay restarts slow starters",
    };
    pub const SECRETS_AS_ENV: Rule = Rule {
        code: super::SECRETS_AS_ENV,
        name: "secrets-as-env",
        summary: "secrets injected as environment variables (files leak less)",
    };
    pub const PLAINTEXT_SECRET: Rule = Rule {
        code: super::PLAINTEXT_SECRET,
        name: "plaintext-secret",
        summary: "a secret value written in the spec itself, and so committed",
    };
    pub const AUTOSCALE_WITHOUT_REQUESTS: Rule = Rule {
        code: super::AUTOSCALE_WITHOUT_REQUESTS,
        name: "autoscale-without-requests",
        summary: "a utilization target on a resource the container does not request",
    };
    pub const SHARED_SINGLE_WRITER_CLAIM: Rule = Rule {
        code: super::SHARED_SINGLE_WRITER_CLAIM,
        name: "shared-single-writer-claim",
        summary: "a ReadWriteOnce claim mounted by several replicas of a Deployment",
    };
    pub const RELAXED_SECURITY: Rule = Rule {
        code: super::RELAXED_SECURITY,
        name: "relaxed-security",
        summary: "a security default switched off",
    };
    pub const NO_NAMESPACE: Rule = Rule {
        code: super::NO_NAMESPACE,
        name: "no-namespace",
        summary: "objects without a namespace land in whatever namespace kubectl points at",
    };
    pub const VERSION_IN_SELECTOR: Rule = Rule {
        code: super::VERSION_IN_SELECTOR,
        name: "version-in-selector",
        summary: "a kept selector holds the version, which a release cannot change in place",
    };

    pub const FLUX_SUBSTITUTION: Rule = Rule {
        code: super::FLUX_SUBSTITUTION,
        name: "flux-substitution",
        summary: "an object holding `${VAR}`, which Flux's post-build substitution replaces",
    };

    pub const PLAIN_HTTP_INGRESS: Rule = Rule {
        code: super::PLAIN_HTTP_INGRESS,
        name: "plain-http-ingress",
        summary: "an Ingress that serves its hosts without TLS",
    };
    pub const MISSING_REQUIRED_LABELS: Rule = Rule {
        code: super::MISSING_REQUIRED_LABELS,
        name: "missing-required-labels",
        summary: "an object without a label the platform's policy requires (`require_labels`)",
    };

    /// Every rule, in code order.
    pub const SECRETS_WITHOUT_MODE: Rule = Rule {
        code: super::SECRETS_WITHOUT_MODE,
        name: "secrets-without-mode",
        summary: "secret values k8gen reads, but no `secrets_mode`: `render -o` refuses them",
    };

    pub const SEALED_CERTIFICATE_EXPIRING: Rule = Rule {
        code: super::SEALED_CERTIFICATE_EXPIRING,
        name: "sealed-certificate-expiring",
        summary: "the sealed-secrets certificate expires within 30 days (`check` reads the clock)",
    };

    pub const RULES: &[Rule] = &[
        MISSING_READINESS,
        MISSING_LIVENESS,
        MISSING_RESOURCES,
        MUTABLE_IMAGE,
        SINGLE_REPLICA_BUDGET,
        SAME_PROBES,
        SECRETS_AS_ENV,
        PLAINTEXT_SECRET,
        AUTOSCALE_WITHOUT_REQUESTS,
        SHARED_SINGLE_WRITER_CLAIM,
        RELAXED_SECURITY,
        NO_NAMESPACE,
        PLAIN_HTTP_INGRESS,
        MISSING_REQUIRED_LABELS,
        VERSION_IN_SELECTOR,
        FLUX_SUBSTITUTION,
        SECRETS_WITHOUT_MODE,
        SEALED_CERTIFICATE_EXPIRING,
    ];
}
