import ServiceLifecycle

/// The shard threads as a service: at shutdown (after the inputs have closed)
/// every queued sample is processed, then the threads end.
package struct ShardsService: Service {
    package let engine: Engine

    package func run() async {
        try? await gracefulShutdown()  // returns on shutdown or on cancellation alike
        let engine = self.engine
        // Stopping joins threads: on a thread of its own, off the cooperative pool.
        await OwnedThread(name: "shards-stop") { engine.stop() }.value
    }
}

/// The alert publisher as a service: at shutdown (after the shards) it sends what
/// is queued and closes its socket.
package struct PublisherService: Service {
    package let publisher: AlertPublisher

    package func run() async {
        try? await gracefulShutdown()
        await publisher.stopAndDrain()
    }
}
