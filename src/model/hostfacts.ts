/** What only a live host can tell (filled by the audit door; type only until then). */
export interface SocketFile {
  path: string;
  runtime: string;
  uid: number;
  gid: number;
  mode: number;
  owner?: string;
  group?: string;
  /** Users who can open it: owner, members of the group, users whose primary group it is. */
  openableBy?: string[];
  worldWritable?: boolean;
  /** Extended POSIX ACL entries (`user:ci:rw-`, `mask::rw-`), when the socket has any. */
  acl?: string[];
  /** Those of `openableBy` let in by a named ACL entry (not by owner, owning group or mode bits). */
  openableViaAcl?: string[];
  /** The ACL could not be read (getfacl missing or failing): more accounts may be able to open it. */
  aclError?: string;
}

export interface DaemonListener {
  address: string;
  port: number;
  process?: string;
  pid?: number;
  tls: boolean | "unknown";
  answersDockerApi?: boolean;
  source: "flag" | "daemon.json" | "systemd" | "proc-net";
}

export interface DaemonConfig {
  hosts: string[];
  tls?: boolean;
  tlsverify?: boolean;
  usernsRemap?: string;
  authorizationPlugins?: string[];
  rootless?: boolean;
  source: string;
}

export interface HostEvent {
  time: number;
  type: string;
  /** Exec actions keep the program name only (`exec_start: sh`): command lines may hold secrets. */
  action: string;
  actor: string;
  attributes?: Record<string, string>;
}

export interface HostFacts {
  host: string;
  sockets: SocketFile[];
  listeners: DaemonListener[];
  daemon: DaemonConfig[];
  events: HostEvent[];
  persistence: { path: string; modified: number; why: string }[];
  /** The audit could not talk to the daemon (e.g. "permission denied" on a socket that exists):
   *  itself a fact worth a finding, and the rest of the audit goes on without the API. */
  unreachable?: { endpoint: string; kind: string; message: string }[];
}
