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
}
