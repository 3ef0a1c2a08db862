/** Root hook: let the test process exit once every test is done (see sdk/zk/groth16/workers.ts). */
import { releaseSnarkjsWorkers } from "../../sdk/zk/groth16/workers.js";

after(releaseSnarkjsWorkers);
