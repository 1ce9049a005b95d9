import Foundation
import WhetCLI

exit(await WhetMain.run())
