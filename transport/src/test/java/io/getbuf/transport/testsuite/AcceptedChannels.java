package io.getbuf.transport.testsuite;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * A server channel handler ({@code ServerBootstrap.handler(...)}, which sits before the acceptor) that remembers
 * every accepted child channel, so a test can close the children its Netty base class leaves open.
 *
 * <p>Some testsuite methods close only the server channel and never the accepted child (e.g.
 * {@code AbstractSocketShutdownOutputByPeerTest#testShutdownOutput}: the child is half-closed with
 * {@code ALLOW_HALF_CLOSURE} and stays open, in CLOSE_WAIT, for the life of the JVM, with NIO as well). Those
 * sockets would show up as leaks in the fd check although no transport leaked them; closing them here still checks
 * that closing a getbuf child releases its descriptor.
 */
@Sharable
final class AcceptedChannels extends ChannelInboundHandlerAdapter {

    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel) {
            children.add((Channel) msg);
        }
        ctx.fireChannelRead(msg);
    }

    void closeAll() {
        children.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
