import Foundation
import WhetCLI
import WhetInference

OpenBLASCoreType.restartIfMisdetected()
exit(await WhetMain.run())
