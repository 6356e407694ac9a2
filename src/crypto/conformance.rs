//! Provider conformance suite: checks any [`CipherSuiteProvider`] against known answers and
//! round trips. (Filled in by the provider work.)
