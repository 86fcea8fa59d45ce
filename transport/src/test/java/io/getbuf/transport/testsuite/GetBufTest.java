package io.getbuf.transport.testsuite;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.TimeUnit;

/**
 * Marks a getbuf test class (Netty's testsuite classes, and the transport's unit tests with {@code warmUp = false}):
 * <ul>
 *   <li>skips the class (JUnit assumption, with {@code GetBuf.unavailabilityCause()}) when io_uring is unusable,
 *       and, for {@code bufferRing = true}, when the kernel has no provided buffer rings;</li>
 *   <li>checks that the class leaves no file descriptors open ({@link GetBufTestExtension});</li>
 *   <li>bounds every test method (one method runs all its permutations) at 120 s unless the method has its own
 *       {@code @Timeout}, so a hung transport fails one test with a thread dump instead of stalling the run.</li>
 * </ul>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(GetBufTestExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public @interface GetBufTest {
    /** The class runs on the buffer ring permutations ({@link GetBufSocketTestPermutation#socket(boolean)}). */
    boolean bufferRing() default false;

    /**
     * Start the testsuite's shared event loop groups before the class (false for the transport's own unit tests,
     * which make their own groups and want only the availability check and the descriptor check).
     */
    boolean warmUp() default true;
}
