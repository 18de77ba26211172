"""Hand-written story texts for the story engine's evaluation set.

All text here except the seed was written for Lede and describes fictional
events; names of places are real, people and companies are invented.
Each story is a list of versions; each version is (title, paragraphs).
"""

HARBOUR_FIRE = [
    ("Fire breaks out at Port Kelling container terminal", [
        "A large fire broke out on Tuesday morning at the container terminal in Port Kelling, sending thick black smoke over the eastern districts of the city.",
        "Firefighters were called to the terminal shortly after 6 a.m. and closed the coastal road between the ferry pier and the fish market.",
        "The port authority said all ships due to dock in the afternoon had been told to wait outside the harbour until further notice.",
        "There was no immediate word on what caused the fire or whether anyone was hurt.",
    ]),
    ("Port Kelling terminal fire: two workers injured, ships held offshore", [
        "A large fire broke out on Tuesday morning at the container terminal in Port Kelling, sending thick black smoke over the eastern districts of the city.",
        "Two dock workers were taken to the regional hospital with burns, a spokeswoman for the ambulance service said. Neither injury was life-threatening.",
        "Firefighters were called to the terminal shortly after 6 a.m. and closed the coastal road between the ferry pier and the fish market.",
        "The port authority said all ships due to dock in the afternoon had been told to wait outside the harbour until further notice.",
        "Residents of the eastern districts were advised to keep windows closed while the smoke drifted inland.",
    ]),
    ("Port Kelling fire under control after eight hours; cause under investigation", [
        "UPDATE: The fire brigade said the blaze was under control by 2 p.m., about eight hours after it started, and that crews would stay overnight to cool the stacked containers.",
        "A large fire broke out on Tuesday morning at the container terminal in Port Kelling, sending thick black smoke over the eastern districts of the city.",
        "Three dock workers were taken to the regional hospital with burns, a spokeswoman for the ambulance service said. None of the injuries was life-threatening.",
        "Firefighters were called to the terminal shortly after 6 a.m. and closed the coastal road between the ferry pier and the fish market.",
        "The port authority said all ships due to dock in the afternoon had been told to wait outside the harbour until further notice.",
        "Residents of the eastern districts were advised to keep windows closed while the smoke drifted inland.",
        "Investigators from the national safety board are expected at the terminal on Wednesday to examine a container of lithium batteries where the fire is believed to have started.",
    ]),
]

OIL_MORNING = [
    ("Oil climbs as Gulf shipping worries outweigh stock build", [
        "Oil prices rose on Tuesday morning as traders weighed the risk of disruption to shipping in the Gulf against a larger than expected build in crude stocks.",
        "Brent crude futures were up 62 cents, or 0.9%, at $68.41 a barrel by 0930 GMT, while U.S. West Texas Intermediate crude gained 48 cents to $62.05.",
        "An industry report on Monday showed crude inventories rose by 3.1 million barrels last week, against analysts' expectations of a draw of 1.2 million barrels.",
        "Trading was thin ahead of the year-end holiday, and analysts said prices could swing sharply on small volumes.",
    ]),
]

OIL_AFTERNOON = [
    ("Oil slips from highs as Chinese factory data disappoints", [
        "Oil prices gave up earlier gains on Tuesday afternoon after factory figures from China came in weaker than forecast, reviving worries about fuel demand next year.",
        "Brent crude was down 35 cents at $67.44 a barrel by 1545 GMT, having touched a three-month high of $68.90 earlier in the session. WTI fell 29 cents to $61.28.",
        "China's official manufacturing index dropped to 49.6 in December from 50.2, the statistics bureau said, signalling a contraction in activity.",
        "Analysts at one Singapore brokerage said the market had run ahead of fundamentals during a quiet holiday week.",
    ]),
]

EMBASSY_PROTEST_THURSDAY = [
    ("Hundreds rally peacefully outside US embassy in Baghdad to mark strike victims", [
        "Several hundred people gathered peacefully outside the U.S. embassy in Baghdad on Thursday to mourn the fighters killed in U.S. airstrikes, two days after the compound was stormed.",
        "Organisers read out the names of the dead and laid wreaths at the outer wall, which was still blackened from Tuesday's fire.",
        "Iraqi security forces kept a line of armoured vehicles between the crowd and the gate, and the rally ended before noon without incident.",
        "The embassy said its staff were safe and that consular services would stay suspended until further notice.",
    ]),
]

EMBASSY_PROTEST_NEXT_WEEK = [
    ("Students march on US embassy in Baghdad over contractor bill", [
        "Around two thousand students marched to the U.S. embassy in Baghdad on Wednesday to protest a draft bill that would extend the contracts of foreign security firms.",
        "The march began at the university campus and followed the river road to the embassy's outer checkpoint, where police stopped it.",
        "Student leaders handed a petition to an Iraqi official and dispersed in the afternoon. No injuries were reported.",
        "The bill is due for a first reading in parliament next month.",
    ]),
]

NORTHWIND_APEX = [
    ("Northwind to buy Apex Robotics for $2.1 billion", [
        "Northwind Corp said on Monday it had agreed to buy warehouse automation maker Apex Robotics for $2.1 billion in cash, its largest acquisition to date.",
        "The deal values Apex at 14 times its expected earnings for next year and is due to close in the second quarter, subject to approval by regulators.",
        "Northwind chief executive Maria Okafor said the purchase would let the logistics group build robotic picking into every new distribution centre.",
        "Apex shares jumped 31% in early trading, while Northwind stock fell 4%.",
    ]),
    ("Northwind to buy Apex Robotics for $2.1 billion; unions seek job guarantees", [
        "Northwind Corp said on Monday it had agreed to buy warehouse automation maker Apex Robotics for $2.1 billion in cash, its largest acquisition to date.",
        "The deal values Apex at 14 times its expected earnings for next year and is due to close in the second quarter, subject to approval by regulators.",
        "Northwind chief executive Maria Okafor said the purchase would let the logistics group build robotic picking into every new distribution centre.",
        "Apex shares jumped 31% in early trading, while Northwind stock fell 4%.",
        "The warehouse workers' union said it would ask Northwind for written guarantees that no jobs would be cut as a result of the automation plans.",
    ]),
]

NORTHWIND_BLUEWATER = [
    ("Northwind agrees to acquire data firm Bluewater Analytics", [
        "Northwind Corp said on Tuesday it would acquire Bluewater Analytics, a maker of route planning software, for $340 million in shares, a day after announcing its purchase of Apex Robotics.",
        "Bluewater's software is used by about 900 trucking companies to plan deliveries, and Northwind said it would keep the brand and the team in Lisbon.",
        "Northwind chief executive Maria Okafor said the two deals together would cut delivery times in its network by a fifth within three years.",
        "The transaction is expected to close in March.",
    ]),
]

ELECTION = [
    ("Early count puts Greens ahead in Valdora mayoral race", [
        "The Green candidate Tomas Reyes was leading the race for mayor of Valdora with 41% of the vote after 30% of ballots had been counted, the election commission said on Sunday evening.",
        "The incumbent, Elena Brandt of the Civic Union, was second with 36%, followed by the independent candidate Omar Haddad on 15%.",
        "Turnout was 58%, up from 49% at the last election.",
    ]),
    ("Reyes extends lead in Valdora as count passes 70%", [
        "The Green candidate Tomas Reyes was leading the race for mayor of Valdora with 44% of the vote after 72% of ballots had been counted, the election commission said late on Sunday.",
        "The incumbent, Elena Brandt of the Civic Union, was second with 35%, followed by the independent candidate Omar Haddad on 14%.",
        "Turnout was 58%, up from 49% at the last election.",
        "Brandt told supporters at her campaign headquarters that she would wait for the final count before commenting.",
    ]),
    ("Reyes wins Valdora mayoral election, ending Civic Union's 16-year hold", [
        "The Green candidate Tomas Reyes won the race for mayor of Valdora with 45% of the vote, the election commission said on Monday after all ballots had been counted.",
        "The incumbent, Elena Brandt of the Civic Union, was second with 35%, followed by the independent candidate Omar Haddad on 14%.",
        "Turnout was 58%, up from 49% at the last election.",
        "Brandt conceded defeat in a statement and congratulated Reyes, who will take office on February 1.",
        "Reyes has promised to double the city's cycle lanes and to freeze public transport fares for two years.",
    ]),
]

QUAKE = [
    ("Magnitude 5.8 earthquake shakes southern Zarvia", [
        "An earthquake of magnitude 5.8 struck southern Zarvia on Monday evening, the national seismology institute said, shaking buildings in the provincial capital Orlen.",
        "The quake's epicentre was about 40 km south of Orlen at a depth of 10 km.",
        "There were no immediate reports of casualties or serious damage.",
    ]),
    ("Zarvia quake damages old town in Orlen, one dead", [
        "An earthquake of magnitude 5.8 struck southern Zarvia on Monday evening, the national seismology institute said, shaking buildings in the provincial capital Orlen.",
        "One person was killed when a wall collapsed in Orlen's old town and at least 12 were injured, the regional governor told state television.",
        "The quake's epicentre was about 40 km south of Orlen at a depth of 10 km.",
        "Several churches and market buildings in the old town were damaged, and schools in the province will stay closed on Tuesday for inspections.",
    ]),
]

# A different earthquake in the same country, a day later: a hard negative.
QUAKE_NORTH = [
    ("Moderate quake hits northern Zarvia, no damage reported", [
        "A magnitude 4.6 earthquake struck northern Zarvia on Tuesday afternoon, the national seismology institute said, a day after a deadly quake in the south of the country.",
        "The epicentre was near the mountain town of Kesh, about 300 km north of Orlen, at a depth of 15 km.",
        "Local officials said there were no reports of damage or injuries, and the institute said the two quakes were not related.",
    ]),
]

LIBRARY = [
    ("Central library to open on Sundays from January", [
        "Valdora's central library will open on Sundays from January 12, the city's culture department said on Friday.",
        "Opening hours on Sundays will be from noon to 6 p.m., and the children's section will host reading hours every second week.",
        "The extra day is funded by a two-year grant from a regional foundation.",
    ]),
]

BRIDGE = [
    ("River bridge in Orlen closed after cracks found", [
        "The main road bridge over the river in Orlen was closed to traffic on Wednesday after engineers found cracks in two of its supports.",
        "Buses were diverted over the rail bridge further north, adding about twenty minutes to journeys into the city centre.",
        "The regional transport office said the bridge, built in 1968, would stay closed for at least a week while engineers assess the damage.",
    ]),
]

# Held-out stories: written after the thresholds were chosen, and scored
# without changing them (see README.md).

MINE = [
    ("Eleven miners trapped after tunnel collapse in Varna Ridge", [
        "Eleven miners were trapped underground on Wednesday after part of a tunnel collapsed at the Varna Ridge coal mine, the mine's operator said.",
        "The collapse happened at about 400 metres below the surface during the morning shift, and contact was made with the group through a ventilation shaft.",
        "Rescue teams from three neighbouring mines were sent to the site.",
    ]),
    ("Rescuers drill toward 11 trapped Varna Ridge miners; all alive", [
        "Rescuers began drilling a narrow shaft on Wednesday night to reach eleven miners trapped underground after part of a tunnel collapsed at the Varna Ridge coal mine.",
        "All eleven are alive and have been sent water, food and lamps through a ventilation shaft, the operator said. Two have minor injuries.",
        "The collapse happened at about 400 metres below the surface during the morning shift.",
        "The regional governor said the drilling could take up to two days.",
    ]),
    ("All 11 Varna Ridge miners rescued after 40 hours underground", [
        "All eleven miners trapped by a tunnel collapse at the Varna Ridge coal mine were brought to the surface on Friday, about 40 hours after the collapse.",
        "The men were lifted one by one in a steel capsule through the rescue shaft and taken to hospital for checks. Two were treated for minor injuries.",
        "The collapse happened at about 400 metres below the surface during the morning shift on Wednesday.",
        "The operator said an inquiry into the cause of the collapse would begin next week.",
    ]),
]

# Another mine accident in the same country, a day later: a hard negative.
MINE_OTHER = [
    ("Gas blast at Keld quarry injures four workers", [
        "Four workers were injured on Thursday when a methane pocket ignited in a tunnel at the Keld limestone quarry, about 200 km east of Varna Ridge.",
        "Rescue teams evacuated the remaining 60 workers on the shift, and the injured were flown to the capital with burns.",
        "Mine safety inspectors closed the quarry pending an inspection.",
    ]),
]

RATES_NORTH = [
    ("Nordland central bank holds rates, signals cut in spring", [
        "The central bank of Nordland kept its main interest rate at 3.25% on Thursday, as expected, but said it could lower borrowing costs in the spring if inflation keeps easing.",
        "Inflation slowed to 2.4% in December from 2.9% a month earlier, the statistics office said last week.",
        "The bank's next policy meeting is on March 12.",
    ]),
]

# A rate decision elsewhere, the next day: a hard negative.
RATES_SOUTH = [
    ("Suderia raises interest rates to defend currency", [
        "The central bank of Suderia raised its main interest rate by half a percentage point to 7.5% on Friday, its first increase in a year, to support the falling peso.",
        "The currency has lost 9% against the dollar since October, pushing up the price of imported fuel and food.",
        "The bank said it was ready to act again if needed.",
    ]),
]

MATCH_PREVIEW = [
    ("Orlen United host Kesh City in cup semi-final", [
        "Orlen United host Kesh City on Saturday in the first leg of the national cup semi-final, with both teams missing key players through injury.",
        "United's top scorer Dario Moll is out with a hamstring strain, while City will be without captain Ivo Renn.",
        "The second leg is in Kesh on February 8.",
    ]),
]

# The same fixture's report: a different story from its preview.
MATCH_REPORT = [
    ("Late Petrov goal gives Orlen United first-leg lead over Kesh City", [
        "A header from substitute Luka Petrov in the 88th minute gave Orlen United a 2-1 win over Kesh City in the first leg of the national cup semi-final on Saturday.",
        "City had equalised through Sami Duro early in the second half after United's Ben Asker opened the scoring from the penalty spot.",
        "The second leg is in Kesh on February 8.",
    ]),
]

# Held-out, part 2: written on 2026-11-30 after the carried-over paragraph
# and syndicated-copy rules were added (see README.md), scored once.

FLOOD = [
    ("River Orsk bursts levee, hundreds evacuated in Valmen", [
        "Hundreds of residents were evacuated from low-lying parts of Valmen on Monday after the River Orsk broke through a levee following three days of heavy rain, local officials said.",
        "Water up to a metre deep covered streets near the old market, and the town's hospital moved patients from its ground floor as a precaution.",
        "The levee, built in 1974, had been due for reinforcement work this spring, the regional water authority said.",
    ]),
    ("Valmen flood: 1,200 evacuated, one man missing as Orsk keeps rising", [
        "About 1,200 people have been evacuated from Valmen after the River Orsk broke through a levee, and a 67-year-old man is missing after his car was swept off a road outside the town, police said on Monday evening.",
        "The river was still rising at nightfall and was expected to peak early on Tuesday, the water authority said.",
        "Army engineers were laying sandbags along the remaining section of the levee near the railway bridge.",
        "The levee, built in 1974, had been due for reinforcement work this spring, the regional water authority said.",
        "The national weather service has issued flood warnings for 12 provinces until Sunday.",
    ]),
    ("Floodwaters recede in Valmen; missing driver found alive", [
        "Floodwaters began to recede in Valmen on Wednesday, two days after the River Orsk broke through a levee, and residents of most streets were allowed to return home.",
        "The 67-year-old driver reported missing on Monday was found alive on Tuesday afternoon in a farm building where he had taken shelter, police said.",
        "Repairing the breach will take at least a month, according to the regional water authority, which said the levee, built in 1974, had been due for reinforcement work this spring.",
        "The government said it would pay emergency grants to households whose homes were flooded.",
    ]),
]

# The same wire's next flood story, elsewhere, two days later: a hard
# negative that shares the wire's standing weather-warning paragraph.
FLOOD_AMBRY = [
    ("Storm surge floods coastal villages near Port Ambry", [
        "Dozens of homes were flooded in villages near Port Ambry on Wednesday night when a storm surge overtopped sea walls, the coastguard said.",
        "No one was hurt, but about 80 people spent the night in a school gymnasium.",
        "The national weather service has issued flood warnings for 12 provinces until Sunday.",
    ]),
]

HALVORSEN_RESULTS = [
    ("Halvorsen Shipping profit falls 18% as freight rates slide", [
        "Halvorsen Shipping said on Tuesday its fourth-quarter net profit fell 18% to 412 million crowns, as container freight rates dropped from last year's highs.",
        "Revenue fell 9% to 3.1 billion crowns. The company kept its dividend unchanged at 4 crowns a share.",
        "Chief executive Marit Sand said the group would cut costs by retiring six older vessels this year.",
    ]),
]

# The same company the next day: a different story.
HALVORSEN_CEO = [
    ("Halvorsen Shipping chief executive Marit Sand to step down", [
        "Halvorsen Shipping chief executive Marit Sand will step down at the end of June after eight years in the job, the company said on Wednesday.",
        "The board has started a search for a successor, and chairman Erik Dahl will lead the group in the interim if no one is appointed by then.",
        "The company reported an 18% drop in fourth-quarter profit on Tuesday.",
    ]),
]

TRANSFER = [
    ("Kesh City sign striker Tomas Varga from Lund Rovers", [
        "Kesh City have signed striker Tomas Varga from Lund Rovers on a four-year contract, the club said on Thursday, for a fee reported to be around 6 million euros.",
        "Varga, 24, scored 19 league goals last season and will join the squad for Saturday's match against Orlen United.",
        "City manager Pavel Ruz said Varga had been his first choice since the summer.",
    ]),
]
