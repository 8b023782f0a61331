// The one file that constructs the PolicyPack. Constructing a pack starts a gRPC server and keeps the
// process alive, so nothing else — tests, offline tools — may import this file: they import the rules.
import { PolicyPack } from "@pulumi/policy";
import { toCrossGuardPolicies } from "./lib/crossguard";
import { packContext } from "./lib/pack-context";
import { PACK_NAME } from "./lib/pack-info";
import { ALL_RULES } from "./rules";

new PolicyPack(PACK_NAME, {
    description: "Environment parity, no secrets in code, images pinned by digest, and security guardrails.",
    enforcementLevel: "advisory",
    policies: toCrossGuardPolicies(ALL_RULES, packContext()),
});
