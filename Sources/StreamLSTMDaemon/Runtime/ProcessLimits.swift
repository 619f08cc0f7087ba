import Foundation
import Logging

/// Limits of the process the daemon sets for itself at start.
package enum ProcessLimits {
    /// The soft limit on open descriptors up to the hard one: sockets, clients and the checkpoint
    /// share it, and the soft default (1,024) is low enough for local clients to exhaust.
    package static func raiseDescriptorLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let soft = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.debug("open descriptor limit raised", metadata: ["from": "\(soft)", "to": "\(limit.rlim_max)"])
        }
    }
}
