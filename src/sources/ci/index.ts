/** Every CI source, most specific first (register before content-sniffed Kubernetes/Compose). */
import type { Source } from "../types.js";
import { githubActionsSource } from "./github/index.js";
import { gitlabCiSource } from "./gitlab/index.js";
import { gitlabRunnerSource } from "./gitlab/runner.js";
import { jenkinsSource } from "./jenkins/index.js";
import { droneSource } from "./drone/index.js";
import { circleciSource } from "./circleci/index.js";
import { bitbucketSource } from "./bitbucket/index.js";
import { azurePipelinesSource } from "./azure/index.js";
import { tektonArgoSource } from "./tekton/index.js";

export { githubActionsSource, gitlabCiSource, gitlabRunnerSource, jenkinsSource, droneSource, circleciSource, bitbucketSource, azurePipelinesSource, tektonArgoSource };

export const CI_SOURCES: readonly Source[] = [
  githubActionsSource,
  gitlabCiSource,
  gitlabRunnerSource,
  jenkinsSource,
  droneSource,
  circleciSource,
  bitbucketSource,
  azurePipelinesSource,
  tektonArgoSource,
];
