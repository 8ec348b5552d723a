"""The device graph: kinds, ids, queries and exports."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from twin.build import build_world, world_graph
from twin.errors import GraphQueryError
from twin.graph import EDGE_RELS, NODE_KINDS, DeviceGraph


def test_every_node_and_edge_is_typed_and_ids_are_readable(scenario):
    graph = build_world(scenario).graph
    assert all(kind in NODE_KINDS for _, kind in graph.g.nodes(data="kind"))
    assert all(rel in EDGE_RELS for _, _, rel in graph.g.edges(data="rel"))
    assert "home-007" in graph and graph.kind("home-007/meter") == "smart_meter"
    assert graph.kind("feeder-2") == "feeder" and graph.kind("transformer-1") == "transformer"
    assert graph.counts()["home"] == scenario.homes.count


def test_batteries_under_a_feeder_are_exactly_that_feeders(scenario):
    world = build_world(scenario)
    params = world.energy.homes.params
    found = set(world.graph.nodes("battery", under="feeder-2"))
    expected = {f"home-{i:03d}/battery" for i in range(params.n)
                if params.feeder[i] == 1 and params.bat_capacity_kwh[i] > 0}
    assert found == expected and found
    everything = set(world.graph.nodes("battery", under="city"))
    assert found < everything == set(world.graph.nodes("battery"))


def test_query_errors_name_what_is_allowed(scenario):
    graph = build_world(scenario).graph
    with pytest.raises(GraphQueryError, match="no node 'feeder-99'"):
        graph.nodes("battery", under="feeder-99")
    with pytest.raises(GraphQueryError, match="allowed: appliance, battery"):
        graph.nodes("batery")


def test_exports_round_trip(tmp_path, scenario):
    graph = build_world(scenario).graph
    graph.write_json(tmp_path / "g.json")
    data = json.loads((tmp_path / "g.json").read_text())
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == len(graph) and back.number_of_edges() == graph.g.number_of_edges()
    graph.write_graphml(tmp_path / "g.graphml")
    again = nx.read_graphml(tmp_path / "g.graphml")
    assert again.nodes["home-003/zone"]["kind"] == "zone"
    assert again.number_of_nodes() == len(graph)


def test_add_refuses_unknown_kinds_duplicates_and_dangling_edges():
    graph = DeviceGraph()
    graph.add_node("a", "home")
    with pytest.raises(ValueError, match="unknown node kind"):
        graph.add_node("b", "spaceship")
    with pytest.raises(ValueError, match="already"):
        graph.add_node("a", "home")
    with pytest.raises(GraphQueryError):
        graph.add_edges("contains", [("a", "ghost")])
    with pytest.raises(ValueError, match="unknown edge rel"):
        graph.add_edge("a", "a", "likes")


def test_a_world_builds_its_graph_at_first_use_and_the_same_graph(scenario):
    """Stepping never reads the graph, so an env's reset does not build it; built late, after the
    world ran, it is still the graph of the homes as drawn (their parameters do not change)."""
    eager = world_graph(scenario, build_world(scenario).energy.homes)
    world = build_world(scenario)
    world.run(6 * 3600)
    assert not isinstance(world._graph, DeviceGraph)  # not built by building or running the world
    late = world.graph
    assert world.graph is late
    assert nx.utils.graphs_equal(late.g, eager.g) and len(late) > 3 * scenario.homes.count


@pytest.mark.parametrize("env_id, node, kind", [("twin/SmartHome-v0", "home-000/battery", "battery"),
                                                 ("twin/TrafficGrid-v0", "int-1-1/signal", "signal")])
def test_resetting_an_env_leaves_the_graph_unbuilt_and_the_viewer_can_still_ask_for_it(env_id, node, kind):
    import gymnasium as gym
    import envs  # noqa: F401  (registers the ids)

    env = gym.make(env_id)
    env.reset(seed=4)
    env.step(env.action_space.sample())
    world = env.unwrapped.world
    assert not isinstance(world._graph, DeviceGraph)
    assert world.graph.kind(node) == kind
    env.close()


def test_a_street_worlds_late_graph_holds_its_homes_and_streets_as_before():
    from conftest import small_scenario
    from twin.traffic.network import grid_network

    scenario = small_scenario(traffic={"network": {"rows": 2, "cols": 3}}, homes={"count": 4})
    world = build_world(scenario)
    expected = world_graph(scenario, world.energy.homes, grid_network(scenario.traffic))
    assert nx.utils.graphs_equal(world.graph.g, expected.g)
    counts = world.graph.counts()
    assert counts["intersection"] == 6 and counts["home"] == 4 and counts["signal"] == 6
