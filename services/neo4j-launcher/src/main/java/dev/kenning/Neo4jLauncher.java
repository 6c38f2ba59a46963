package dev.kenning;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs an embedded Neo4j community database with Bolt on 127.0.0.1 until SIGTERM.
 *
 * Usage: Neo4jLauncher HOME_DIR BOLT_PORT [PAGECACHE] [TX_MEMORY]
 * Prints "KENNING_NEO4J_READY bolt://127.0.0.1:PORT" once Bolt accepts connections, so the
 * Python helper can wait on the log instead of guessing.
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Neo4jLauncher HOME_DIR BOLT_PORT [PAGECACHE] [TX_MEMORY]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String port = args[1];
        String pagecache = args.length > 2 ? args[2] : "128m";
        String txMemory = args.length > 3 ? args[3] : "256m";

        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("dbms.security.auth_enabled", "false");
        // Without an explicit page cache Neo4j claims half the machine's RAM.
        config.put("server.memory.pagecache.size", pagecache);
        config.put("dbms.memory.transaction.total.max", txMemory);
        config.put("db.tx_log.preallocate", "false");
        config.put("dbms.usage_report.enabled", "false");

        // The public builder takes typed settings only; a properties file keeps the raw 5.x names
        // (unknown names abort start-up, which is what is wanted).
        Files.createDirectories(home);
        Path conf = home.resolve("kenning-neo4j.conf");
        StringBuilder text = new StringBuilder();
        config.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(conf, text.toString());
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("KENNING_NEO4J_STOPPING");
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        dbms.database("neo4j");  // fails fast if the default database did not come up
        System.out.println("KENNING_NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }
}
