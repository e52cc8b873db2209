/** sshd's failed login, the building block of the brute-force correlations in the engine's tests. */
export const FAILED_SSH_LOGIN_RULE = `title: Failed SSH login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.outcome: failure}, condition: sel}`;
