/** Root hook: let the test process exit once every test is done (snarkjs threads, the EZKL worker). */
import { EzklDriver } from "../../sdk/zk/ezkl/driver.js";
import { releaseSnarkjsWorkers } from "../../sdk/zk/groth16/workers.js";

after(async () => {
  await releaseSnarkjsWorkers();
  await EzklDriver.stop();
});
