%% bench_erlang_runtime <workload>: the runtime workloads of bench_caf_runtime
%% (bench/peers/caf) and bench_bossa_runtime on Erlang/OTP processes, one
%% workload per VM, printed under impl "erlang". The VM runs 2 schedulers
%% (+S 2, as bossa and CAF run 2 workers) and otherwise its defaults, but for
%% a process limit (+P) that admits spawn's million processes.
%%
%% Workloads, with the parameters of the C++ ones:
%%   pingpong  2 processes, 1M round trips             round_trips_per_s
%%   fanin     4 senders x 1M messages to one process  msgs_per_s
%%   spawn     1M idle processes, kept                 actors_per_s, bytes_per_actor, peak_rss_bytes
%%   ring      100 processes pass a token 1M hops      hops_per_s
%%   request   1M gen_server:call round trips          round_trips_per_s
%%   idle      1000 idle processes, CPU over 2 s       cpu_percent
%% The measuring process is the one that runs main/1, as the scoped actor is
%% in the C++ programs.
-module(bossa_bench_runtime).
-behaviour(gen_server).

-export([main/0, main/1]).
-export([init/1, handle_call/3, handle_cast/2]).  % request's server
-export([idle_process/3]).  % spawn's and idle's processes

-define(PINGPONG_ROUND_TRIPS, 1000000).
-define(FANIN_SENDERS, 4).
-define(FANIN_MESSAGES_PER_SENDER, 1000000).
-define(SPAWN_PROCESSES, 1000000).
-define(RING_PROCESSES, 100).
-define(RING_HOPS, 1000000).
-define(REQUESTS, 1000000).
-define(IDLE_PROCESSES, 1000).
-define(IDLE_WINDOW_MS, 2000).
%% Lets the schedulers finish starting the idle processes and wind down
%% before the idle window opens.
-define(IDLE_SETTLE_MS, 200).
%% A workload that runs longer than this has hung.
-define(TIMEOUT_SECONDS, 600).

-define(WORKLOADS, [{"pingpong", fun pingpong/0}, {"fanin", fun fanin/0},
                    {"spawn", fun spawn_idle/0}, {"ring", fun ring/0},
                    {"request", fun request/0}, {"idle", fun idle/0}]).

%% `erl -run` calls main/0 when it has no arguments for it.
main() ->
    main([]).

main([Name]) ->
    case lists:keyfind(Name, 1, ?WORKLOADS) of
        {Name, Workload} ->
            bossa_bench_result:run_program("bench_erlang_runtime " ++ Name, Workload,
                                           ?TIMEOUT_SECONDS);
        false ->
            usage()
    end;
main(_) ->
    usage().

usage() ->
    io:format(standard_error, "usage: bench_erlang_runtime <workload>~nworkloads:~s~n",
              [[[$\s | Name] || {Name, _} <- ?WORKLOADS]]),
    erlang:halt(2).

%% pingpong: two processes bounce a counter; the rate of round trips.
pingpong() ->
    Done = self(),
    Pong = spawn(fun pong/0),
    Ping = spawn(fun() -> ping(Pong, Done) end),
    Start = bossa_bench_result:now_seconds(),
    Ping ! ?PINGPONG_ROUND_TRIPS,
    receive done -> ok end,
    Seconds = bossa_bench_result:now_seconds() - Start,
    bossa_bench_result:print("pingpong", "round_trips_per_s", ?PINGPONG_ROUND_TRIPS / Seconds).

%% Answers every {From, N} with N.
pong() ->
    receive {From, N} -> From ! N end,
    pong().

%% Sends N - 1 to Partner for every N that arrives, and tells Done when 0 does.
ping(Partner, Done) ->
    receive
        0 -> Done ! done;
        N -> Partner ! {self(), N - 1}, ping(Partner, Done)
    end.

%% fanin: senders each send their messages to one receiver as fast as they
%% can; the rate at which the receiver gets them all, from the start signal to
%% the last message handled.
fanin() ->
    Done = self(),
    Total = ?FANIN_SENDERS * ?FANIN_MESSAGES_PER_SENDER,
    Sink = spawn(fun() -> count(Total, Done) end),
    Senders = [spawn(fun() -> receive start -> send_numbers(Sink, ?FANIN_MESSAGES_PER_SENDER) end end)
               || _ <- lists:seq(1, ?FANIN_SENDERS)],
    Start = bossa_bench_result:now_seconds(),
    [Sender ! start || Sender <- Senders],
    receive done -> ok end,
    Seconds = bossa_bench_result:now_seconds() - Start,
    bossa_bench_result:print("fanin", "msgs_per_s", Total / Seconds).

count(0, Done) -> Done ! done;
count(Left, Done) -> receive _ -> count(Left - 1, Done) end.

send_numbers(_, 0) -> ok;
send_numbers(To, Left) -> To ! Left, send_numbers(To, Left - 1).

%% spawn: idle processes, kept alive; the spawn rate (until every one has run),
%% the resident memory each costs and the VM's peak RSS. The list of pids is
%% part of the cost, as the C++ programs' vector of handles is.
spawn_idle() ->
    RssBefore = bossa_bench_result:peak_rss_bytes(),
    Start = bossa_bench_result:now_seconds(),
    Pids = spawn_idle(?SPAWN_PROCESSES),
    Seconds = bossa_bench_result:now_seconds() - Start,
    RssAfter = bossa_bench_result:peak_rss_bytes(),
    bossa_bench_result:print("spawn", "actors_per_s", ?SPAWN_PROCESSES / Seconds),
    bossa_bench_result:print("spawn", "bytes_per_actor", (RssAfter - RssBefore) / ?SPAWN_PROCESSES),
    bossa_bench_result:print("spawn", "peak_rss_bytes", RssAfter),
    length(Pids).

%% Spawns Count processes that wait for a message that never comes and returns
%% their pids once every one of them has run (a spawned process runs after
%% spawn returns, as a CAF actor is initialised after spawn returns).
spawn_idle(Count) ->
    Started = atomics:new(1, []),
    Pids = spawn_idle(Count, Started, Count, []),
    receive all_started -> Pids end.

spawn_idle(0, _, _, Pids) -> Pids;
spawn_idle(Left, Started, Count, Pids) ->
    Pid = spawn(?MODULE, idle_process, [Started, Count, self()]),
    spawn_idle(Left - 1, Started, Count, [Pid | Pids]).

%% An idle process: counts itself started, the last one tells Owner, then
%% waits for messages that never come.
idle_process(Started, Count, Owner) ->
    case atomics:add_get(Started, 1, 1) of
        Count -> Owner ! all_started;
        _ -> ok
    end,
    wait().

wait() ->
    receive _ -> wait() end.

%% ring: processes in a ring pass a token on as N - 1 until it is 0; the rate
%% of hops.
ring() ->
    Done = self(),
    Nodes = [spawn(fun() -> receive {next, Next} -> ring_node(Next, Done) end end)
             || _ <- lists:seq(1, ?RING_PROCESSES)],
    [First | _] = Nodes,
    [Node ! {next, Next} || {Node, Next} <- lists:zip(Nodes, tl(Nodes) ++ [First])],
    % Every successor is in its node's mailbox ahead of the token.
    Start = bossa_bench_result:now_seconds(),
    First ! ?RING_HOPS,
    receive done -> ok end,
    Seconds = bossa_bench_result:now_seconds() - Start,
    bossa_bench_result:print("ring", "hops_per_s", ?RING_HOPS / Seconds).

ring_node(Next, Done) ->
    receive
        0 -> Done ! done;
        N -> Next ! N - 1, ring_node(Next, Done)
    end.

%% request: one client makes sequential request/reply round trips to a server,
%% the OTP way: gen_server:call (a monitor, an alias, the reply) with an
%% infinite timeout, as CAF's request(..., infinite).then(...) and bossa's
%% request(...).then(...). The rate of round trips.
request() ->
    Done = self(),
    {ok, Server} = gen_server:start(?MODULE, [], []),
    Client = spawn(fun() -> receive start -> call(Server, ?REQUESTS), Done ! done end end),
    Start = bossa_bench_result:now_seconds(),
    Client ! start,
    receive done -> ok end,
    Seconds = bossa_bench_result:now_seconds() - Start,
    bossa_bench_result:print("request", "round_trips_per_s", ?REQUESTS / Seconds).

call(_, 0) -> ok;
call(Server, Left) ->
    Left = gen_server:call(Server, Left - 1, infinity),
    call(Server, Left - 1).

%% The server replies to N with N + 1.
init([]) -> {ok, no_state}.
handle_call(N, _From, State) -> {reply, N + 1, State}.
handle_cast(_, State) -> {noreply, State}.

%% idle: processes wait for messages that never come; the CPU the VM burns
%% meanwhile, in percent of one core.
idle() ->
    Pids = spawn_idle(?IDLE_PROCESSES),
    timer:sleep(?IDLE_SETTLE_MS),
    CpuBefore = bossa_bench_result:process_cpu_seconds(),
    Start = bossa_bench_result:now_seconds(),
    timer:sleep(?IDLE_WINDOW_MS),
    CpuSeconds = bossa_bench_result:process_cpu_seconds() - CpuBefore,
    Seconds = bossa_bench_result:now_seconds() - Start,
    bossa_bench_result:print("idle", "cpu_percent", CpuSeconds / Seconds * 100),
    length(Pids).
